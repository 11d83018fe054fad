/* A search field above a long list of checkboxes (those carrying data-filter-label, e.g. the
   session form's economies grouped by region under <strong> headings): typing hides the choices
   whose label does not hold the words (accents and case aside; ticked ones stay) and the headings
   left without choices. Without JavaScript the grouped list is there as it is. */
(function () {
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  var lists = [];
  document.querySelectorAll("input[data-filter-label]").forEach(function (box) {
    var item = box.closest(".form-check");
    if (item && lists.indexOf(item.parentNode) === -1) {
      lists.push(item.parentNode);
    }
  });
  lists.forEach(function (list, index) {
    var first = list.querySelector("input[data-filter-label]");
    var id = "filter-list-" + index;
    var label = document.createElement("label");
    label.className = "form-label small";
    label.htmlFor = id;
    label.textContent = first.getAttribute("data-filter-label");
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.className = "form-control form-control-sm mb-2";
    input.setAttribute("autocomplete", "off");
    list.parentNode.insertBefore(label, list);
    list.parentNode.insertBefore(input, list);
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var heading = null;
      var headingShown = false;
      function closeGroup() {
        if (heading) {
          heading.hidden = !headingShown;
        }
      }
      Array.prototype.forEach.call(list.children, function (child) {
        if (!child.classList.contains("form-check")) {
          closeGroup();
          heading = child;
          headingShown = false;
          return;
        }
        var box = child.querySelector("input");
        var text = fold(child.textContent);
        var shown = box.checked || words.every(function (word) {
          return text.indexOf(word) !== -1;
        });
        child.hidden = !shown;
        headingShown = headingShown || shown;
      });
      closeGroup();
    });
  });
})();
