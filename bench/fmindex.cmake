lcr_add_bench(fmindex_bench SOURCES fmindex_bench.cc LIBS lcr::fmindex)
add_executable(fmindex_latency fmindex_latency.cc)
target_link_libraries(fmindex_latency PRIVATE lcr::fmindex)
