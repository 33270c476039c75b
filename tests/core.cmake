lcr_add_test(corpus_test SOURCES corpus_test.cc LIBS lcr::core lcr::dep::zstd)
lcr_add_test(tokenizer_test SOURCES tokenizer_test.cc LIBS lcr::core)
