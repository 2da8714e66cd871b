require ["fileinto","copy"];
# rule:[keep a copy at home]
if true
{
	redirect :copy "alice.home@qq.com";
}
# rule:[colleague]
if header :contains "subject" "leave" {
	redirect "bob@jiangmen.gov.cn";
}
