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
	s := newScope("Interface")
	got := []string{s.declare("Interface"), s.declare("Get"), s.declare("Get"), s.declare("Get_")}
	want := []string{"Interface_", "Get", "Get_", "Get__"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("declare #%d = %q, want %q", i, got[i], want[i])
		}
	}
}
