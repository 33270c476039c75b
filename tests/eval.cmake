lcr_add_test(eval_metrics_test SOURCES eval_metrics_test.cc LIBS lcr::eval)
