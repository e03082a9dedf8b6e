package parser

import "testing"

func TestGoName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"list-keys", "ListKeys"},
		{"key-response", "KeyResponse"},
		{"is-XML", "IsXML"},
		{"ipv4-socket", "IPv4Socket"},
		{"fifo-queue", "FifoQueue"},
		{"get-http-url", "GetHTTPURL"},
		{"user-id", "UserID"},
		{"TTL-ms", "TTLMs"},
		{"cas", "Cas"},
		{"%type", "Type"},
		{"u8-list", "U8List"},
		{"a1-b2", "A1B2"},
		{"error", "Error"},
		{"no-such-store", "NoSuchStore"},
		{"wasi-keyvalue-error", "WASIKeyvalueError"},
		{"json", "JSON"},
		{"outgoing-value-write-body-sync", "OutgoingValueWriteBodySync"},
	}
	for _, tt := range tests {
		if got := GoName(tt.in); got != tt.want {
			t.Errorf("GoName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestGoLocalName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"key-values", "keyValues"},
		{"identifier", "identifier"},
		{"TTL-ms", "ttlMs"},
		{"type", "type_"},
		{"func", "func_"},
		{"string", "string_"},
		{"error", "error_"},
		{"len", "len_"},
		{"ctx", "ctx_"},
		{"err", "err_"},
		{"url-id", "urlID"},
		{"%interface", "interface_"},
	}
	for _, tt := range tests {
		if got := goLocalName(tt.in); got != tt.want {
			t.Errorf("goLocalName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestGoPackageName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"store", "store"},
		{"eventual-batch", "eventualbatch"},
		{"wasi-keyvalue-error", "wasikeyvalueerror"},
		{"%types", "types"},
	}
	for _, tt := range tests {
		if got := goPackageName(tt.in); got != tt.want {
			t.Errorf("goPackageName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestScope(t *testing.T) {
	s := NewScope(nil, "Interface")
	got := []string{s.Declare("Interface"), s.Declare("Get"), s.Declare("Get"), s.Declare("Get_")}
	want := []string{"Interface_", "Get", "Get_", "Get__"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("declare #%d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestScopeParent(t *testing.T) {
	pkg := NewScope(nil, "Instance")
	fn := NewScope(pkg, "ctx")
	if got := fn.Declare("Instance"); got != "Instance_" {
		t.Errorf("a child declares a parent's name as %q, want Instance_", got)
	}
	if got := pkg.Declare("Instance_"); got != "Instance_" {
		t.Errorf("a parent sees a child's name: %q, want Instance_", got)
	}
	if got := fn.Declare("ctx"); got != "ctx_" {
		t.Errorf("Declare(ctx) = %q, want ctx_", got)
	}
	for in, want := range map[string]string{"Bucket": "bucket", "HTTPServer": "httpServer", "TTL": "ttl", "": ""} {
		if got := LowerFirst(in); got != want {
			t.Errorf("LowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScopePrefixes(t *testing.T) {
	pkg := NewScope(nil)
	fn := NewScope(pkg)
	fn.ReservePrefixes("to")
	if got := fn.Declare("toKey"); got != "toKey_" {
		t.Errorf("Declare(toKey) = %q, want toKey_", got)
	}
	if got := fn.Declare("total"); got != "total" {
		t.Errorf("Declare(total) = %q, want total", got)
	}
	if got := pkg.Declare("toKey"); got != "toKey" {
		t.Errorf("a parent sees a child's prefixes: %q", got)
	}
}
