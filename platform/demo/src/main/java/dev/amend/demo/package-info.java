/** The embedded demo model: the fact corpus it knows, its tokenizer, its trainer and the shipped checkpoint. */
package dev.amend.demo;
