require ["copy"];
redirect :copy text:
frank@outlook.example
.
;
