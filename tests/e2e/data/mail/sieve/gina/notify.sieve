require ["enotify", "variables"];
if header :matches "subject" "*" {
  notify :message "新邮件: ${1}" "mailto:gina@gmail.com";
}
