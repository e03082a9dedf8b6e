package wrpc

import (
	"cmp"
	"fmt"
	"slices"
)

// EncodeMap writes a WIT map<K, V> as the list<tuple<K, V>> it is on the
// wire: the number of entries, then each key and its value. Entries go in
// ascending key order, so that equal maps encode to equal bytes.
func EncodeMap[K cmp.Ordered, V any](e *Encoder, m map[K]V, key func(*Encoder, K), value func(*Encoder, V)) {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.Len(len(keys))
	for _, k := range keys {
		key(e, k)
		value(e, m[k])
	}
}

// DecodeMap reads a WIT map<K, V> written as list<tuple<K, V>>. minSize is
// the least number of bytes an entry takes, which bounds the number of
// entries against the bytes left before the map is allocated. A key that
// comes twice is an error: keeping either value would lose the other.
func DecodeMap[K comparable, V any](d *Decoder, minSize int, key func(*Decoder) K, value func(*Decoder) V) map[K]V {
	n := d.LenMin(minSize)
	if d.Err() != nil {
		return nil
	}
	m := make(map[K]V, n)
	for range n {
		k := key(d)
		v := value(d)
		if d.Err() != nil {
			return nil
		}
		if _, dup := m[k]; dup {
			d.Fail(fmt.Errorf("map: key %v appears twice", k))
			return nil
		}
		m[k] = v
	}
	return m
}

// EncodeFixedList writes a WIT list<T, N>: its N elements, with no length
// before them (the length is part of the type).
func EncodeFixedList[T any](e *Encoder, s []T, f func(*Encoder, T)) {
	for _, v := range s {
		f(e, v)
	}
}

// DecodeFixedList reads the len(s) elements of a WIT list<T, N> into s.
func DecodeFixedList[T any](d *Decoder, s []T, f func(*Decoder) T) {
	for i := range s {
		s[i] = f(d)
		if d.Err() != nil {
			return
		}
	}
}

// EncodeBoolMap is EncodeMap for a map<bool, V>: false first.
func EncodeBoolMap[V any](e *Encoder, m map[bool]V, key func(*Encoder, bool), value func(*Encoder, V)) {
	e.Len(len(m))
	for _, k := range []bool{false, true} {
		if v, ok := m[k]; ok {
			key(e, k)
			value(e, v)
		}
	}
}
