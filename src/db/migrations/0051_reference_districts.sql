-- 0051 monitoring: the districts of the reference city, shipped with the
-- schema so that a new installation accepts feeds that name a district
-- (traffic incidents, work records, places) without the demo. Xiamen's six
-- districts with their administrative division codes (GB/T 2260) and
-- centre points. A city is data: another city replaces them through the
-- data dictionary API (PUT /api/v1/dictionary/district; "active": false
-- retires one); rows already present are left alone. The holiday calendar
-- is loaded by `egret migrate` from the built-in years of
-- src/cases/calendar.c, the occupation catalogue and the dictionary by 0030.
-- @all

INSERT INTO mon_districts (code, name, name_en, lat_e6, lng_e6, sort, active, updated_at) VALUES
    ('350203', '思明区', 'Siming', 24454300, 118082000, 1, 1, 0),
    ('350205', '海沧区', 'Haicang', 24484600, 118032700, 2, 1, 0),
    ('350206', '湖里区', 'Huli', 24512600, 118146400, 3, 1, 0),
    ('350211', '集美区', 'Jimei', 24575900, 118097000, 4, 1, 0),
    ('350212', '同安区', 'Tong''an', 24723100, 118152000, 5, 1, 0),
    ('350213', '翔安区', 'Xiang''an', 24618500, 118247900, 6, 1, 0)
ON CONFLICT (code) DO NOTHING;
