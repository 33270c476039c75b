# fmindex_test also checks the wavelet-tree walk in fmindex/src/huff_wt.h directly.
lcr_add_test(fmindex_test SOURCES fmindex_test.cc LIBS lcr::fmindex lcr::dep::sdsl)
target_include_directories(fmindex_test PRIVATE ${PROJECT_SOURCE_DIR}/fmindex/src)
lcr_add_test(index_test SOURCES index_test.cc LIBS lcr::fmindex nlohmann_json::nlohmann_json)
target_include_directories(index_test PRIVATE ${PROJECT_SOURCE_DIR}/fmindex/src)  # container.h
lcr_add_test(lecard_fmindex_test SOURCES lecard_fmindex_test.cc LIBS lcr::fmindex)
lcr_add_test(sharded_test SOURCES sharded_test.cc LIBS lcr::fmindex)
