/** Import of llama2.c checkpoints ({@code .bin}, "version 0") and tokenizers into the runtime. */
package dev.amend.runtime.llama2c;
