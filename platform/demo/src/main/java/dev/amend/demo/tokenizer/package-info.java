/** Byte-level BPE: a GPT-2-style trainer and encoder, and the Hugging Face {@code tokenizer.json} it is shipped as. */
package dev.amend.demo.tokenizer;
