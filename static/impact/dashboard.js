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
  // Economies the light 110m atlas has no shape for (Hong Kong, Macao, Singapore, most small
  // island states): a reached one is drawn as a dot at its place, [longitude, latitude] of the
  // middle of its largest shape in world-atlas's countries-50m.json, by ISO numeric code.
  var SMALL_ECONOMIES = {
    "016": [-170.69, -14.31], "020": [1.58, 42.54], "028": [-61.79, 17.08],
    "048": [50.54, 26.03], "052": [-59.54, 13.19], "060": [-64.77, 32.32], "086": [72.42, -7.33],
    "092": [-64.62, 18.42], "132": [-23.61, 15.12], "136": [-81.26, 19.33],
    "174": [43.36, -11.64], "184": [-159.79, -21.22], "212": [-61.37, 15.43],
    "234": [-6.9, 62.13], "239": [-36.91, -54.43], "248": [19.97, 60.24],
    "258": [-149.39, -17.68], "296": [-157.38, 1.88], "308": [-61.69, 12.12],
    "316": [144.79, 13.44], "334": [73.55, -53.08], "336": [12.43, 41.9], "344": [114.12, 22.43],
    "438": [9.55, 47.16], "446": [113.51, 22.22], "462": [73.5, 4.2], "470": [14.46, 35.9],
    "480": [57.56, -20.25], "492": [7.41, 43.75], "500": [-62.19, 16.75], "520": [166.93, -0.52],
    "531": [-68.96, 12.21], "533": [-69.98, 12.52], "534": [-63.07, 18.04],
    "570": [-169.87, -19.05], "574": [167.95, -29.05], "580": [145.75, 15.19],
    "583": [158.23, 6.88], "584": [171.21, 7.12], "585": [134.58, 7.54],
    "612": [-128.32, -24.37], "652": [-62.84, 17.9], "654": [-5.72, -15.95],
    "659": [-62.74, 17.31], "660": [-63.07, 18.22], "662": [-60.98, 13.91],
    "663": [-63.07, 18.09], "666": [-56.32, 46.95], "670": [-61.2, 13.25], "674": [12.46, 43.94],
    "678": [6.61, 0.23], "690": [55.46, -4.67], "702": [103.82, 1.36], "776": [-175.22, -21.17],
    "796": [-71.74, 21.8], "831": [-2.58, 49.47], "832": [-2.12, 49.22], "833": [-4.56, 54.23],
    "850": [-64.73, 17.75], "876": [-178.12, -14.28], "882": [-172.48, -13.63]
  };
  var DOT_RADIUS = 1.1; // degrees of latitude: a few pixels on a page-wide map

  // A small disc as a GeoJSON polygon, wound clockwise as d3-geo wants an exterior ring (the
  // other way round it would be the whole world but the disc).
  function dot(numeric, name) {
    var centre = SMALL_ECONOMIES[numeric];
    var stretch = 1 / Math.cos(centre[1] * Math.PI / 180);
    var ring = [];
    for (var step = 0; step <= 24; step++) {
      var angle = -2 * Math.PI * step / 24;
      ring.push([centre[0] + DOT_RADIUS * stretch * Math.cos(angle),
        centre[1] + DOT_RADIUS * Math.sin(angle)]);
    }
    return {type: "Feature", id: numeric, properties: {name: name},
      geometry: {type: "Polygon", coordinates: [ring]}};
  }

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
        var drawn = {};
        features.forEach(function (feature) {
          drawn[feature.id] = true;
        });
        data.economies.forEach(function (economy) {
          if (!drawn[economy.numeric] && SMALL_ECONOMIES[economy.numeric]) {
            features.push(dot(economy.numeric, economy.name));
          }
        });
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
