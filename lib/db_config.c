/* The database connection's settings from the configuration (db_config.h). */
#include "db_config.h"

struct db_options db_options_from_config(const struct hearth_config *cfg)
{
	return (struct db_options){
		.host = cfg->db_host,
		.port = cfg->db_port,
		.socket = cfg->db_socket,
		.user = cfg->db_user,
		.password = cfg->db_password,
		.name = cfg->db_name,
		.connect_timeout = cfg->db_connect_timeout,
		.timeout = cfg->db_timeout,
	};
}
