# Finds the Debian-packaged dependencies (docs/dependencies.md says why each is here) and
# exposes each as an imported target, so components link `lcr::dep::X` and nothing else.
include(FindPkgConfig)

function(lcr_find_lib target header lib)
  find_path(${target}_INCLUDE ${header})
  find_library(${target}_LIB ${lib})
  if(NOT ${target}_INCLUDE OR NOT ${target}_LIB)
    message(FATAL_ERROR "lcr: ${lib} not found (header ${header}); run scripts/setup.sh")
  endif()
  add_library(lcr::dep::${target} UNKNOWN IMPORTED)
  set_target_properties(lcr::dep::${target} PROPERTIES
    IMPORTED_LOCATION ${${target}_LIB}
    INTERFACE_INCLUDE_DIRECTORIES ${${target}_INCLUDE})
endfunction()

lcr_find_lib(sdsl sdsl/wavelet_trees.hpp sdsl)
lcr_find_lib(divsufsort divsufsort.h divsufsort)
lcr_find_lib(divsufsort64 divsufsort64.h divsufsort64)
lcr_find_lib(sentencepiece sentencepiece_processor.h sentencepiece)
lcr_find_lib(sentencepiece_train sentencepiece_trainer.h sentencepiece_train)
lcr_find_lib(zstd zstd.h zstd)
lcr_find_lib(xxhash xxhash.h xxhash)

find_package(Boost 1.71 REQUIRED COMPONENTS program_options)
find_package(nlohmann_json 3.9 REQUIRED)
find_package(Threads REQUIRED)

if(LCR_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(LCR_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

set(LCR_HAVE_TORCH OFF)
if(LCR_WITH_TORCH)
  find_package(Torch QUIET)
  if(Torch_FOUND)
    set(LCR_HAVE_TORCH ON)
    # How the plugins are opened (model/include/lcr/model/torch_plugin.h). A libtorch that
    # links the system libprotobuf (Debian's) needs RTLD_DEEPBIND to keep it apart from
    # sentencepiece's. One that carries its own (PyTorch's wheels) must not have it: under
    # DEEPBIND, std::call_once inside libtorch calls a null pointer (at::set_num_threads
    # crashed on torch 2.11 from pip).
    # Where the dependencies cannot be read, DEEPBIND stays on (the Debian case).
    find_library(LCR_TORCH_CPU_LIB torch_cpu HINTS "${TORCH_INSTALL_PREFIX}/lib")
    set(LCR_PLUGIN_DEEPBIND ON)
    if(LCR_TORCH_CPU_LIB AND CMAKE_OBJDUMP)
      execute_process(COMMAND ${CMAKE_OBJDUMP} -p ${LCR_TORCH_CPU_LIB}
                      OUTPUT_VARIABLE _lcr_torch_dynamic RESULT_VARIABLE _lcr_objdump_rc
                      ERROR_QUIET)
      if(_lcr_objdump_rc EQUAL 0 AND _lcr_torch_dynamic MATCHES "NEEDED"
         AND NOT _lcr_torch_dynamic MATCHES "NEEDED +libprotobuf")
        set(LCR_PLUGIN_DEEPBIND OFF)
      endif()
    endif()
    message(STATUS "lcr: libtorch ${Torch_VERSION} at ${LCR_TORCH_CPU_LIB}; plugins opened "
                   "with RTLD_DEEPBIND: ${LCR_PLUGIN_DEEPBIND}")
  else()
    message(WARNING "lcr: libtorch not found: building without the model, trainer and search")
  endif()
endif()

find_package(PkgConfig QUIET)
set(LCR_HAVE_XAPIAN OFF)
find_package(xapian QUIET)
if(xapian_FOUND OR XAPIAN_FOUND)
  set(LCR_HAVE_XAPIAN ON)
endif()
