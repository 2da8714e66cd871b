<?php

/* Local configuration for Roundcube Webmail */

$config['imap_host'] = ["localhost:143"];
$config['smtp_host'] = 'localhost:587';
$config['support_url'] = '';
$config['product_name'] = '江门市人民政府邮件';
$config['des_key'] = 'rcmail-!24ByteDESkey*Str';
$config['plugins'] = array(
    'archive',
    'zipdownload',
    'managesieve',
);
$config['skin'] = 'elastic';
// always load remote images
$config['show_images'] = 2;
