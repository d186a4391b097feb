// Review page: a click on the photo fills in the focal point form with the click's position
// as fractions of the image's width and height, and submits it.
(function () {
  "use strict";
  var image = document.querySelector("[data-focal-target]");
  var form = document.querySelector('[data-form="focal-point"]');
  if (!image || !form) { return; }
  image.style.cursor = "crosshair";
  image.addEventListener("click", function (event) {
    var box = image.getBoundingClientRect();
    if (!box.width || !box.height) { return; }
    var x = Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1);
    var y = Math.min(Math.max((event.clientY - box.top) / box.height, 0), 1);
    form.querySelector('[name="x"]').value = x.toFixed(4);
    form.querySelector('[name="y"]').value = y.toFixed(4);
    form.submit();
  });
}());
