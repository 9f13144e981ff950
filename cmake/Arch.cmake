# Context-switch implementation for this ABI: hand-written assembly for
# x86-64 SysV and AArch64, the portable ucontext fallback elsewhere or on
# request (-DWEFT_CTX=ucontext). Appends to _srcs of the arch layer.
set(_arch ${CMAKE_SYSTEM_PROCESSOR})
if(WEFT_CTX STREQUAL "ucontext")
  set(_ctx ucontext)
elseif(_arch MATCHES "x86_64|AMD64|amd64")
  set(_ctx x86_64)
elseif(_arch MATCHES "aarch64|arm64")
  set(_ctx aarch64)
else()
  set(_ctx ucontext)
endif()
if(_ctx STREQUAL "ucontext")
  add_compile_definitions(WEFT_CTX_UCONTEXT=1)
else()
  list(APPEND _srcs ${PROJECT_SOURCE_DIR}/src/arch/switch_${_ctx}.S)
endif()
message(STATUS "weft: context switch: ${_ctx}")
