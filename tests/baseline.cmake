if(TARGET lcr_baseline)
  lcr_add_test(baseline_bm25_test SOURCES baseline_bm25_test.cc LIBS lcr::baseline)
endif()
