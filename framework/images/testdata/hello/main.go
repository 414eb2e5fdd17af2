// Command hello is the smallest main the Go image tests compile.
package main

func main() { println("hello") }
