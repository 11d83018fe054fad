/* Charts for the impact pages. The tables beside them hold the same numbers and are the pages'
   content: this script only draws them, from the json_script data the server wrote (no inline
   script, so a strict Content-Security-Policy holds). Each canvas gets data-drawn="true" once
   its chart has been drawn. Chart.js and chartjs-chart-geo are loaded before it (defer keeps the
   order); on the public reach page they are loaded only when the visitor asks for the map. */
(function () {
  "use strict";

  var locale = document.documentElement.lang || "en";
  var COLOURS = ["#0b5394", "#d55e00"]; // registrations, attendees: apart for colour-blind eyes
  var NO_DATA = "#e9ecef";
  // The map's shades, from a light blue that stands out from NO_DATA (even the smallest count,
  // or a suppressed one, shows as reached) to the darkest.
  var LIGHTEST = [158, 202, 225];
  var DARKEST = [8, 48, 107];
  var ANTARCTICA = "010";

  function readData(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  var markDrawn = {
    id: "outreachMarkDrawn",
    afterRender: function (chart) {
      chart.canvas.setAttribute("data-drawn", "true");
    }
  };

  function drawChart(figure) {
    var data = readData(figure.getAttribute("data-chart-data"));
    if (!data || !window.Chart) {
      return;
    }
    var horizontal = data.type === "bar";
    figure.hidden = false;
    if (horizontal) {
      // Room for each label's bars, so that long names (sizes, kinds) stay readable.
      var rows = data.labels.length * data.datasets.length;
      figure.querySelector(".chart-box").style.height = Math.max(10, 2.2 + rows * 1.6) + "rem";
    }
    new window.Chart(figure.querySelector("canvas"), {
      type: data.type,
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set, index) {
          return {
            label: set.label,
            data: set.data,
            backgroundColor: COLOURS[index % COLOURS.length],
            borderColor: COLOURS[index % COLOURS.length],
            pointRadius: 3
          };
        })
      },
      options: {
        locale: locale,
        animation: false,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        scales: horizontal
          ? {x: {beginAtZero: true, ticks: {precision: 0}}}
          : {y: {beginAtZero: true, ticks: {precision: 0}}},
        plugins: {legend: {position: "bottom"}}
      },
      plugins: [markDrawn]
    });
  }

  function shade(value) {
    var rgb = LIGHTEST.map(function (light, index) {
      return Math.round(light + (DARKEST[index] - light) * value);
    });
    return "rgb(" + rgb.join(",") + ")";
  }

  function registerGeo() {
    var geo = window.ChartGeo;
    window.Chart.register(geo.ChoroplethController, geo.GeoFeature, geo.ColorScale,
      geo.ProjectionScale);
  }

  function drawMap(figure) {
    var data = readData(figure.getAttribute("data-chart-data"));
    if (!data || !window.Chart || !window.ChartGeo) {
      return Promise.resolve();
    }
    registerGeo();
    var byNumeric = {};
    var highest = data.threshold || 1;
    data.economies.forEach(function (economy) {
      byNumeric[economy.numeric] = economy;
      highest = Math.max(highest, economy.value || 0);
    });
    return fetch(figure.getAttribute("data-atlas"))
      .then(function (response) {
        return response.json();
      })
      .then(function (atlas) {
        var geo = window.ChartGeo;
        var features = geo.topojson.feature(atlas, atlas.objects.countries).features.filter(
          function (feature) {
            return feature.id !== ANTARCTICA;
          }
        );
        figure.hidden = false;
        new window.Chart(figure.querySelector("canvas"), {
          type: "choropleth",
          data: {
            labels: features.map(function (feature) {
              var economy = byNumeric[feature.id];
              return economy ? economy.name : feature.properties.name;
            }),
            datasets: [{
              label: data.label,
              outline: features,
              borderColor: "#adb5bd",
              borderWidth: 0.5,
              data: features.map(function (feature) {
                var economy = byNumeric[feature.id];
                // A suppressed count (1 to 4) takes the lightest shade, like a small number.
                var value = economy ? (economy.value === null ? 1 : economy.value) : null;
                return {feature: feature, value: value};
              })
            }]
          },
          options: {
            locale: locale,
            animation: false,
            aspectRatio: 1.9, // the world in the Equal Earth projection, without Antarctica
            showOutline: false,
            showGraticule: false,
            plugins: {
              legend: {display: false},
              tooltip: {
                filter: function (item) {
                  return Boolean(byNumeric[item.raw.feature.id]);
                },
                callbacks: {
                  label: function (item) {
                    var economy = byNumeric[item.raw.feature.id];
                    return economy.name + ": " + economy.display;
                  }
                }
              }
            },
            scales: {
              projection: {axis: "x", projection: "equalEarth"},
              color: {
                axis: "x",
                min: 0,
                max: highest,
                quantize: 5,
                missing: NO_DATA,
                interpolate: shade,
                ticks: {precision: 0},
                legend: {position: "bottom-left", align: "right"}
              }
            }
          },
          plugins: [markDrawn]
        });
      });
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function loadScripts(sources) {
    // In order: chartjs-chart-geo needs Chart.js.
    return sources.reduce(function (done, src) {
      return done.then(function () {
        return loadScript(src);
      });
    }, Promise.resolve());
  }

  function offerMap(container) {
    var button = container.querySelector("button");
    var figure = container.querySelector("[data-chart=map]");
    container.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      loadScripts(container.getAttribute("data-scripts").split(" "))
        .then(function () {
          return drawMap(figure);
        })
        .then(function () {
          button.hidden = true;
        })
        .catch(function () {
          button.disabled = false;
        });
    });
  }

  function start() {
    document.querySelectorAll("[data-map-on-request]").forEach(offerMap);
    if (!window.Chart) {
      return; // the reach page: charts wait for the visitor's request
    }
    document.querySelectorAll("[data-chart]").forEach(function (figure) {
      if (figure.closest("[data-map-on-request]")) {
        return;
      }
      if (figure.getAttribute("data-chart") === "map") {
        drawMap(figure);
      } else {
        drawChart(figure);
      }
    });
  }

  start();
})();
