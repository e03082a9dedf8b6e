package metrics

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// Handler returns the HTTP handler of the metrics and health endpoints:
//
//	GET /metrics  the metrics, in the Prometheus text format
//	GET /healthz  the engine's health: 200 {"status":"ok"}, or 503
//	              {"status":"unavailable","error":"..."} with the reason
//	              (the NATS connection is down, Redis does not answer)
//	GET /readyz   /healthz, but 503 {"status":"draining"} once the provider
//	              is stopping (SetDraining), so that a load balancer stops
//	              sending it calls
//	GET /livez    200 {"status":"ok"} while the process serves HTTP
//
// Other paths are 404, other methods than GET and HEAD 405.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		if err := m.WriteText(r.Context(), &buf); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", ContentType)
		_, _ = w.Write(buf.Bytes())
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		m.serveHealth(w, r, false)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		m.serveHealth(w, r, true)
	})
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, status{Status: "ok"})
	})
	return mux
}

// status is the JSON body of the health endpoints.
type status struct {
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

func (m *Metrics) serveHealth(w http.ResponseWriter, r *http.Request, ready bool) {
	if ready && m.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, status{Status: "draining"})
		return
	}
	if err := m.checkHealth(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, status{Status: "unavailable", Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, status{Status: "ok"})
}

func writeJSON(w http.ResponseWriter, code int, v status) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}
