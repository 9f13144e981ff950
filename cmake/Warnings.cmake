# Warning flags shared by every target of the project.
set(WEFT_WARNINGS -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wno-unused-parameter -Wpointer-arith -Wvla)
if(WEFT_WERROR)
  list(APPEND WEFT_WARNINGS -Werror)
endif()
