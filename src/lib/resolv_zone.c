/* placeholder, replaced by the real module */
typedef int spfc_placeholder_resolv_zone;
