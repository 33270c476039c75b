# Model and trainer tests (libtorch): tiny sizes, seconds on two cores.
if(TARGET lcr_model)
  # Uses the transformer module directly, so it links the plugin (and so no tokenizer).
  lcr_add_test(model_step_test SOURCES model_step_test.cc
               LIBS lcr::model lcr_torch_model LABELS torch)
  lcr_add_test(model_checkpoint_test SOURCES model_checkpoint_test.cc
               LIBS lcr::model nlohmann_json::nlohmann_json LABELS torch)
endif()
if(TARGET lcr_trainer)
  lcr_add_test(model_train_test SOURCES model_train_test.cc
               LIBS lcr::trainer nlohmann_json::nlohmann_json LABELS torch)
  target_include_directories(model_train_test PRIVATE
                             ${PROJECT_SOURCE_DIR}/trainer/train/src)  # data.h: make_batches
endif()
