require ["vacation"];
vacation :days 7 :subject "Out of office / 休假" text:
I am away until Monday.
..and back soon.
.
;
