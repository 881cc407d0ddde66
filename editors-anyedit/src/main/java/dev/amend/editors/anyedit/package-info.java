/** AnyEdit: long-form editing as a decorator over any base method. */
package dev.amend.editors.anyedit;
