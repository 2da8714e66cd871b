require ["variables", "envelope"];
set "domain" "gmail.com";
if envelope :matches "to" "*@*" {
  redirect "dave@${domain}";
}
