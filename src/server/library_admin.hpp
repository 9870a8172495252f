#pragma once
#include <functional>

#include "admin/admin_api.hpp"
#include "docs/doc_index.hpp"
#include "docs/shared_index.hpp"

namespace mcpgate::server {

// The Libraries page's routes on the admin API, over the documentation index:
//   GET    /admin/v1/teamspaces/{ts}/libraries                     libraries, versions, group restrictions
//   POST   /admin/v1/teamspaces/{ts}/libraries/{id}/groups         {"group"}: visible only to that group's members
//   DELETE /admin/v1/teamspaces/{ts}/libraries/{id}/groups/{group}
//   POST   /admin/v1/libraries/{id}/refresh                         202; re-indexes in the background
//                                                                   (installation owners and the admin token)
// {id} is the library ID (/owner/project) percent-encoded into one segment. Developers see the
// libraries open to everyone in the teamspace; restricted ones are for managers to see, as the
// MCP tools hide them from people outside their groups. Restrictions are audited.
// A refresh reads the recorded source folders through `run_in_background`; one refresh of a
// library at a time (409 while one runs). Readers keep the old version until the new one is whole.
// With `shared` (servers on PostgreSQL), restrictions and refreshed versions are published to the
// shared index first, so every server applies them; a publication that fails changes nothing
// and is answered 503.
using BackgroundRunner = std::function<void(std::function<void()>)>;
void add_library_routes(admin::AdminApi& api, docs::DocIndex& index, BackgroundRunner run_in_background,
                        docs::SharedIndex* shared = nullptr);

}  // namespace mcpgate::server
