# Warnings, optimisation and sanitizers for every dlfs target (through the interface target dl_flags).
add_library(dl_flags INTERFACE)
target_compile_options(dl_flags INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wno-missing-field-initializers
                              -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
                              -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough>)
if(DLFS_WERROR)
    target_compile_options(dl_flags INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
endif()
# Release builds are optimised for the machine they run on; never -ffast-math (it breaks NaN checks).
if(DLFS_NATIVE)
    target_compile_options(dl_flags INTERFACE $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<NOT:$<CONFIG:Debug>>>:-march=native>)
endif()
if(DLFS_SANITIZE)
    # Without -fno-sanitize-recover UBSan only reports and the test still passes.
    set(_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_compile_options(dl_flags INTERFACE $<$<COMPILE_LANGUAGE:CXX>:${_san}>)
    target_link_options(dl_flags INTERFACE ${_san})
endif()
