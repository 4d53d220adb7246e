"""A paper's record is written for the index exactly as indexes have recorded it: a changed
text would re-index every file (rag.index.sync.record_hash)."""

from __future__ import annotations

from rag.schema import FieldSpan, PaperRecord


def test_a_record_is_written_as_indexes_recorded_it_and_read_back_whole() -> None:
    record = PaperRecord(
        title="新能源合作",
        authors=("卫玲", "梁炜"),
        journal="新疆大学学报",
        funding=("国家社科基金",),
        spans=(FieldSpan("title", 0, 5, "new_energy.md"),),
    )
    assert record.to_json() == (
        '{"affiliations": [], "authors": ["卫玲", "梁炜"], "authors_en": [], "biographies": [], '
        '"doi": "", "funding": ["国家社科基金"], "issue": "", "journal": "新疆大学学报", '
        '"journal_en": "", "keywords": [], "keywords_en": [], "pages": "", "received": "", '
        '"revised": "", "spans": [{"end": 5, "field": "title", "source": "new_energy.md", '
        '"start": 0}], "title": "新能源合作", "title_en": "", "volume": "", "year": ""}'
    )
    assert PaperRecord.from_json(record.to_json()) == record
