# A stand-in for a test suite whose tools are missing: fails, saying why
# (see govsec_missing in CMakeLists.txt).
message(FATAL_ERROR "${WHY}")
