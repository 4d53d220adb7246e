"""The text rules every stage shares, each written once: scripts and language, words and
stop words, sentence ends, headings, record-field labels, numbers, and shingles."""
