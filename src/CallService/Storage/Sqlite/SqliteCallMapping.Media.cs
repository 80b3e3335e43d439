using System.Text.Json;
using CallContracts.Calls;
using CallService.Calls;
using Microsoft.Data.Sqlite;

namespace CallService.Storage.Sqlite;

/// <summary>
/// Call quality's <c>media</c> (the relay's measurements) in its own table: added after the first release, so a
/// database written before it stays readable as it is (its calls simply have no row here, i.e. <c>media: null</c>),
/// and the <c>calls</c> rows and statements are unchanged.
/// </summary>
internal sealed partial class SqliteCallMapping
{
    private static readonly JsonSerializerOptions MediaJson = new(JsonSerializerDefaults.Web);

    private void SaveMedia(CallSnapshot c, SqliteTransaction tx)
    {
        if (c.MediaA is null && c.MediaB is null) return;
        using var upsert = Command("""
            INSERT INTO call_media(call_id, media_a, media_b) VALUES($id, $a, $b)
            ON CONFLICT(call_id) DO UPDATE SET media_a=$a, media_b=$b
            """, tx);
        upsert.Parameters.AddWithValue("$id", c.CallId);
        upsert.Parameters.AddWithValue("$a", c.MediaA is null ? DBNull.Value : JsonSerializer.Serialize(c.MediaA, MediaJson));
        upsert.Parameters.AddWithValue("$b", c.MediaB is null ? DBNull.Value : JsonSerializer.Serialize(c.MediaB, MediaJson));
        upsert.ExecuteNonQuery();
    }

    private CallSnapshot ReadMedia(CallSnapshot row, SqliteTransaction? tx)
    {
        using var cmd = Command("SELECT media_a, media_b FROM call_media WHERE call_id=$id", tx);
        cmd.Parameters.AddWithValue("$id", row.CallId);
        using var r = cmd.ExecuteReader();
        if (!r.Read()) return row;
        return row with { MediaA = Parse(r, 0), MediaB = Parse(r, 1) };

        static PartyMediaQuality? Parse(SqliteDataReader r, int i) =>
            r.IsDBNull(i) ? null : JsonSerializer.Deserialize<PartyMediaQuality>(r.GetString(i), MediaJson);
    }
}
