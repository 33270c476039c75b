if(TARGET lcr_decoder)
  lcr_add_test(beam_search_test SOURCES beam_search_test.cc LIBS lcr::decoder)
endif()
