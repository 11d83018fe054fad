/* Tell the server the browser's time zone once, so that times are shown in it.
   Pages work without this: they then show UTC, named as such, with a zone picker. */
(function () {
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || /(?:^|; )tz=/.test(document.cookie)) {
    return;
  }
  document.cookie = "tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
  var root = document.documentElement;
  // Reload once, only where times are shown in UTC and the browser lives elsewhere.
  if (zone !== "UTC" && root.getAttribute("data-time-zone-source") === "default" &&
      document.querySelector("time")) {
    window.location.reload();
  }
})();
