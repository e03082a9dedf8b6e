package metrics

import (
	"bufio"
	"context"
	"io"
	"math"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// ContentType is the media type of WriteText's output: the Prometheus text
// exposition format, version 0.0.4.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// WriteText writes every metric to w in the Prometheus text format. ctx
// bounds the engine's health check (witgo_engine_up).
func (m *Metrics) WriteText(ctx context.Context, w io.Writer) error {
	x := expo{w: bufio.NewWriter(w)}

	type fn struct {
		fnKey
		st *fnStats
	}
	var fns []fn
	m.fns.Range(func(k, v any) bool {
		fns = append(fns, fn{k.(fnKey), v.(*fnStats)})
		return true
	})
	sort.Slice(fns, func(i, j int) bool {
		if fns[i].instance != fns[j].instance {
			return fns[i].instance < fns[j].instance
		}
		return fns[i].name < fns[j].name
	})
	x.family("witgo_wrpc_calls_total", "counter", "Handler calls ended, by registered function and outcome (ok, error, panic, canceled).")
	for _, f := range fns {
		for i, o := range outcomes {
			x.sample("witgo_wrpc_calls_total", float64(f.st.outcomes[i].Load()), "instance", f.instance, "function", f.name, "outcome", string(o))
		}
	}
	x.family("witgo_wrpc_call_duration_seconds", "histogram", "Time from a handler's start to its return, by registered function.")
	for _, f := range fns {
		// Read the count first: the buckets, summed, may run ahead of it
		// (a call counted meanwhile) but the +Inf bucket is the count.
		count := f.st.count.Load()
		var cum uint64
		for i, b := range buckets {
			cum += f.st.buckets[i].Load()
			x.sample("witgo_wrpc_call_duration_seconds_bucket", float64(min(cum, count)),
				"instance", f.instance, "function", f.name, "le", formatFloat(b))
		}
		x.sample("witgo_wrpc_call_duration_seconds_bucket", float64(count), "instance", f.instance, "function", f.name, "le", "+Inf")
		x.sample("witgo_wrpc_call_duration_seconds_sum", float64(f.st.sumNanos.Load())/1e9, "instance", f.instance, "function", f.name)
		x.sample("witgo_wrpc_call_duration_seconds_count", float64(count), "instance", f.instance, "function", f.name)
	}

	x.family("witgo_wrpc_connections_accepted_total", "counter", "Connections admitted within the connection caps.")
	x.sample("witgo_wrpc_connections_accepted_total", float64(m.accepted.Load()))
	var refused []string
	m.refused.Range(func(k, _ any) bool {
		refused = append(refused, k.(string))
		return true
	})
	sort.Strings(refused)
	x.family("witgo_wrpc_refusals_total", "counter", "Connections and requests refused before or instead of a result, by limit or reason.")
	for _, l := range refused {
		v, _ := m.refused.Load(l)
		x.sample("witgo_wrpc_refusals_total", float64(v.(interface{ Load() uint64 }).Load()), "limit", l)
	}

	if s := m.srv.Load(); s != nil {
		st := s.Stats()
		x.gauge("witgo_wrpc_open_connections", "Connections open now.", st.OpenConnections)
		x.gauge("witgo_wrpc_max_connections", "Cap of the connections open at once (--max-connections).", st.MaxConnections)
		x.gauge("witgo_wrpc_running_calls", "Handlers running now.", st.RunningCalls)
		x.gauge("witgo_wrpc_max_concurrent_calls", "Bound of the handlers running at once (--max-concurrent).", st.MaxConcurrentInvocations)
		x.gauge("witgo_wrpc_bytes_in_flight", "Request bytes buffered now.", st.BytesInFlight)
		x.gauge("witgo_wrpc_max_bytes_in_flight", "Budget of the request bytes buffered at once (--max-bytes-in-flight).", st.MaxBytesInFlight)
		types := make([]string, 0, len(st.Handles))
		for t := range st.Handles {
			types = append(types, t)
		}
		sort.Strings(types)
		x.family("witgo_wrpc_handles", "gauge", "Live handles of the server's handle table, by resource type (instance#resource).")
		for _, t := range types {
			x.sample("witgo_wrpc_handles", float64(st.Handles[t]), "resource", t)
		}
		x.gauge("witgo_wrpc_handle_owners", "Clients holding handles in the handle table.", st.HandleOwners)
		x.gauge("witgo_wrpc_max_handles_per_owner", "Handles held by the client that holds the most.", st.MaxHandlesPerOwner)
		x.gauge("witgo_wrpc_handle_table_size", "Size of the handle table.", st.MaxHandles)
		x.gauge("witgo_wrpc_handle_quota", "Handles one client may hold.", st.HandleQuota)
	}

	x.family("witgo_engine_errors_total", "counter", "Errors returned by the engine, by operation and kind.")
	for op := range ops {
		for k := range kinds {
			if n := m.errs[op][k].Load(); n > 0 {
				x.sample("witgo_engine_errors_total", float64(n), "op", ops[op], "kind", kinds[k].name)
			}
		}
	}
	up := 1
	if m.checkHealth(ctx) != nil {
		up = 0
	}
	x.gauge("witgo_engine_up", "1 if the engine's health check passes, else 0.", up)

	x.gauge("go_goroutines", "Number of goroutines that currently exist.", runtime.NumGoroutine())
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	x.family("go_memstats_heap_alloc_bytes", "gauge", "Number of heap bytes allocated and still in use.")
	x.sample("go_memstats_heap_alloc_bytes", float64(ms.HeapAlloc))
	x.family("go_memstats_sys_bytes", "gauge", "Number of bytes obtained from system.")
	x.sample("go_memstats_sys_bytes", float64(ms.Sys))
	x.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.")
	x.sample("process_start_time_seconds", float64(m.start.UnixNano())/1e9)
	if runtime.GOOS == "linux" {
		if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
			x.gauge("process_open_fds", "Number of open file descriptors.", len(fds))
		}
	}
	if x.err != nil {
		return x.err
	}
	return x.w.Flush()
}

// expo writes the text format.
type expo struct {
	w   *bufio.Writer
	err error
}

func (x *expo) write(s ...string) {
	for _, p := range s {
		if x.err == nil {
			_, x.err = x.w.WriteString(p)
		}
	}
}

// family writes the HELP and TYPE lines of a metric.
func (x *expo) family(name, typ, help string) {
	x.write("# HELP ", name, " ", escapeHelp(help), "\n# TYPE ", name, " ", typ, "\n")
}

// gauge writes a gauge without labels.
func (x *expo) gauge(name, help string, v int) {
	x.family(name, "gauge", help)
	x.sample(name, float64(v))
}

// sample writes one line: the name, the labels (name, value pairs) and v.
func (x *expo) sample(name string, v float64, labels ...string) {
	x.write(name)
	for i := 0; i+1 < len(labels); i += 2 {
		sep := ","
		if i == 0 {
			sep = "{"
		}
		x.write(sep, labels[i], `="`, escapeLabel(labels[i+1]), `"`)
	}
	if len(labels) > 0 {
		x.write("}")
	}
	x.write(" ", formatFloat(v), "\n")
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
func escapeLabel(s string) string { return labelEscaper.Replace(s) }

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
