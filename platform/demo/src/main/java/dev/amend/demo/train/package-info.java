/** The reproducible trainer of the demo model. */
package dev.amend.demo.train;
