lcr_add_test(fmindex_test SOURCES fmindex_test.cc LIBS lcr::fmindex)
