/* gridhub's GraphiQL bootstrap (not vendored: written for gridhub, see README.md).
 * Reads its settings from the data- attributes of #graphiql, so the page needs no inline script
 * and works under a Content-Security-Policy of script-src 'self'. */
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var endpoint = root.getAttribute("data-endpoint");
  var persistHeaders = root.getAttribute("data-persist-headers") === "true";

  // The query and variables travel in the page's URL so a link can share them: in its fragment
  // (#q=…&variables=…), which the browser never sends to the server, so no access log keeps the
  // values a query names. A strawberry-style ?q= link is read too. Headers never travel: they carry
  // credentials.
  var fromQuery = new URLSearchParams(window.location.search);
  var params = new URLSearchParams(window.location.hash.slice(1));
  function updateURL(key, value) {
    if (value) {
      params.set(key, value);
    } else {
      params.delete(key);
    }
    var search = new URLSearchParams(window.location.search);
    search.delete("q");
    search.delete("variables");
    var rest = search.toString();
    var fragment = params.toString();
    history.replaceState(
      null, "", window.location.pathname + (rest ? "?" + rest : "") + (fragment ? "#" + fragment : "")
    );
  }
  function initial(key) {
    return params.get(key) || fromQuery.get(key);
  }

  // GraphiQL keeps its tabs, history and favourites in localStorage, and its history keeps each
  // query's headers even when shouldPersistHeaders is off. Unless headers may persist, this storage
  // drops them from whatever is written or read, and at once from what an earlier page (strawberry's
  // own persisted headers) left behind: a bearer token never outlives the page.
  var PREFIX = "graphiql:";
  function withoutHeaders(key, value) {
    if (value === null || value === undefined) {
      return null;
    }
    if (key === PREFIX + "headers") {
      return null;
    }
    var data;
    try {
      data = JSON.parse(value);
    } catch (e) {
      return value;
    }
    if (!data || typeof data !== "object" || Array.isArray(data)) {
      return value;
    }
    var changed = false;
    Object.keys(data).forEach(function (name) {
      if (Array.isArray(data[name])) {
        data[name].forEach(function (item) {
          if (item && typeof item === "object" && item.headers) {
            item.headers = null;
            changed = true;
          }
        });
      }
    });
    return changed ? JSON.stringify(data) : value;
  }
  function ownKeys() {
    var keys = [];
    for (var i = 0; i < window.localStorage.length; i++) {
      var key = window.localStorage.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        keys.push(key);
      }
    }
    return keys;
  }
  var storage;
  if (!persistHeaders) {
    storage = {
      getItem: function (key) {
        return withoutHeaders(key, window.localStorage.getItem(key));
      },
      setItem: function (key, value) {
        var clean = withoutHeaders(key, String(value));
        if (clean === null) {
          window.localStorage.removeItem(key);
        } else {
          window.localStorage.setItem(key, clean);
        }
      },
      removeItem: function (key) {
        window.localStorage.removeItem(key);
      },
      clear: function () {
        ownKeys().forEach(function (key) { window.localStorage.removeItem(key); });
      },
      get length() {
        return ownKeys().length;
      },
    };
    ownKeys().forEach(function (key) { storage.setItem(key, window.localStorage.getItem(key)); });
  }

  var fetcher = GraphiQL.createFetcher({ url: new URL(endpoint, window.location.href).toString() });
  var props = {
    fetcher: fetcher,
    plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    defaultEditorToolsVisibility: "headers",
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: persistHeaders,
    storage: storage,
    inputValueDeprecation: true,
    onEditQuery: function (value) { updateURL("q", value); },
    onEditVariables: function (value) { updateURL("variables", value); },
  };
  if (initial("q")) {
    props.query = initial("q");
  }
  if (initial("variables")) {
    props.variables = initial("variables");
  }
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
})();
