# Decoder step and encoder times of the transformer (random weights, libtorch plugin).
if(TARGET lcr_model)
  lcr_add_bench(model_step_bench SOURCES model_step_bench.cc LIBS lcr::model)
endif()
