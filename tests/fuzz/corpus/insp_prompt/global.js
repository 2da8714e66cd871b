<script>
document.addEventListener('click', function (e) {
  var a = e.target.closest('a');
  if (a && a.hostname !== location.hostname && !/gov\.cn$/.test(a.hostname)) {
    if (!window.confirm('您即将离开本网站，前往非党政机关网站')) e.preventDefault();
  }
});
</script></head>
