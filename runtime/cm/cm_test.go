package cm

import (
	"context"
	"errors"
	"testing"
)

func TestErr(t *testing.T) {
	var err error = Err[string]{Value: "disk full"}
	if err.Error() != "disk full" {
		t.Errorf("Error() = %q", err.Error())
	}
	var e Err[string]
	if !errors.As(err, &e) || e.Value != "disk full" {
		t.Errorf("errors.As: got %+v", e)
	}
}

func TestResult(t *testing.T) {
	ok := OK[int, string](3)
	bad := Fail[int]("no")
	if ok.IsErr || ok.OK != 3 || !bad.IsErr || bad.Err != "no" {
		t.Errorf("OK = %+v, Fail = %+v", ok, bad)
	}
}

func TestStreamAndFuture(t *testing.T) {
	ctx := context.Background()
	got, err := Collect(ctx, StreamOf[byte]('a', 'b'))
	if err != nil || string(got) != "ab" {
		t.Errorf("Collect = %q, %v", got, err)
	}
	v, err := Ready("x").Await(ctx)
	if err != nil || v != "x" {
		t.Errorf("Await = %q, %v", v, err)
	}
}
