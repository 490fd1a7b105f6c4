/*
 * list.h - an intrusive doubly-linked list: the node lives inside the
 * element, the list is a head and a tail pointer, NULL-terminated at both
 * ends, so an empty list is two NULLs and a list head may be copied or
 * moved while it is empty.
 *
 * Owns nothing and cannot fail.  A node is on at most one list at a time;
 * which one is the caller's to know (sc_list_unlink takes the list).
 */
#ifndef SC_LIST_H
#define SC_LIST_H

#include <stddef.h>

struct sc_list_node {
	struct sc_list_node *prev, *next;
};

struct sc_list {
	struct sc_list_node *head, *tail;
};

/* The element that holds node p as its field `member`. */
#define sc_list_entry(p, type, member)                                        \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

/* The element of node p, or NULL for a NULL node (p is read twice:
 * give it a variable or wrap it in a function). */
#define sc_list_entry_or_null(p, type, member)                                \
	((p) ? sc_list_entry(p, type, member) : (type *)NULL)

/* Every node from head to tail; the body must not unlink n (see _SAFE). */
#define SC_LIST_FOREACH(n, l) for ((n) = (l)->head; (n); (n) = (n)->next)

/* The same, and the body may unlink n (tmp holds the next node). */
#define SC_LIST_FOREACH_SAFE(n, tmp, l)                                        \
	for ((n) = (l)->head; (n) && ((tmp) = (n)->next, 1); (n) = (tmp))

static inline void sc_list_init(struct sc_list *l)
{
	l->head = l->tail = NULL;
}

static inline void sc_list_node_init(struct sc_list_node *n)
{
	n->prev = n->next = NULL;
}

static inline int sc_list_empty(const struct sc_list *l)
{
	return l->head == NULL;
}

static inline void sc_list_insert_head(struct sc_list *l,
				       struct sc_list_node *n)
{
	n->prev = NULL;
	n->next = l->head;
	if (l->head)
		l->head->prev = n;
	else
		l->tail = n;
	l->head = n;
}

static inline void sc_list_insert_tail(struct sc_list *l,
				       struct sc_list_node *n)
{
	n->next = NULL;
	n->prev = l->tail;
	if (l->tail)
		l->tail->next = n;
	else
		l->head = n;
	l->tail = n;
}

/* Take n off l (n must be on l); n's pointers are cleared. */
static inline void sc_list_unlink(struct sc_list *l, struct sc_list_node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		l->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		l->tail = n->prev;
	n->prev = n->next = NULL;
}

/* The first node taken off l, or NULL when l is empty. */
static inline struct sc_list_node *sc_list_pop_head(struct sc_list *l)
{
	struct sc_list_node *n = l->head;

	if (n)
		sc_list_unlink(l, n);
	return n;
}

#endif
