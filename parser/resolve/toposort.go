package resolve

import "container/heap"

// toposort orders n nodes so that each comes after the nodes it depends on
// (deps(i) lists them, duplicates allowed), taking the ready node declared
// first each time, as wasm-tools does. If the nodes form a cycle it returns
// the order found so far and false; the nodes missing from it are on or
// behind the cycle.
func toposort(n int, deps func(i int) []int) ([]int, bool) {
	pending := make([]int, n)
	users := make([][]int, n)
	for i := range n {
		for _, d := range deps(i) {
			pending[i]++
			users[d] = append(users[d], i)
		}
	}
	ready := &intHeap{}
	for i := range n {
		if pending[i] == 0 {
			heap.Push(ready, i)
		}
	}
	order := make([]int, 0, n)
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		order = append(order, i)
		for _, u := range users[i] {
			if pending[u]--; pending[u] == 0 {
				heap.Push(ready, u)
			}
		}
	}
	return order, len(order) == n
}

// intHeap is a min-heap of ints.
type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
