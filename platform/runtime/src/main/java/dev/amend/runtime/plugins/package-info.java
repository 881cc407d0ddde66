/**
 * Plugins: editors and evaluators from the class path plus jars in a plugins directory, each jar in
 * its own class loader, hot-swapped while the host runs ({@link dev.amend.runtime.plugins.PluginCatalog}).
 */
package dev.amend.runtime.plugins;
