// Package templates holds the text witgo emits that reads better as a
// template than as jennifer calls, embedded with embed.
package templates
