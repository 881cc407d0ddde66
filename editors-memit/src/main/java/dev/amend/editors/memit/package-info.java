/** MEMIT: many facts at once, spread over several layers. */
package dev.amend.editors.memit;
