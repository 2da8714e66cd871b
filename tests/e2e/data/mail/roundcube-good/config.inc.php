<?php

/* Local configuration for Roundcube Webmail */

$config['imap_host'] = ["localhost:143"];
$config['smtp_host'] = 'localhost:587';
$config['product_name'] = '江门市人民政府邮件';
$config['plugins'] = ['archive', 'zipdownload', 'managesieve'];
// users may file and reply, not forward (MAIL-1)
$config['managesieve_disabled_actions'] = ['redirect', 'redirect_copy'];
$config['skin'] = 'elastic';
$config['show_images'] = 0;
$config['inline_images'] = false;
