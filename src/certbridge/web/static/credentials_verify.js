// 数字证书核验 page: scan a QR code with the browser's own BarcodeDetector, where it exists.
// Nothing is sent anywhere: a code of this site's /v/ page opens it, anything else fills the
// form. A file (no inline script), so the pages can forbid inline script.
(function () {
  "use strict";
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var button = document.getElementById("scan");
  var video = document.getElementById("camera");
  var field = document.getElementById("credential");
  if (!button || !video || !field) return;
  button.hidden = false;
  button.addEventListener("click", async function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    var stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    var timer = setInterval(async function () {
      var codes = await detector.detect(video);
      if (!codes.length) return;
      clearInterval(timer);
      stream.getTracks().forEach(function (track) { track.stop(); });
      video.hidden = true;
      var text = codes[0].rawValue;
      var own = window.location.origin + "/v/";
      if (text.indexOf(own) === 0 && /^[A-Za-z0-9_\-]+$/.test(text.slice(own.length))) {
        window.location.href = text;
      } else {
        field.value = text;
      }
    }, 300);
  });
})();
