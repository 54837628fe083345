"""Demo data: staff, applicants and requests in every state, with their trail, for screenshots
and benchmarks.

``generate(n, seed)`` is repeatable: everything drawn from ``random.Random(seed)`` comes out the
same for the same seed and day, except what must stay unguessable (tracking codes,
verification tokens from core/codes.py). Every request gets its own sub-seed, so its timeline can
be replayed cheaply: once to number the letters in issue order, once to build the rows.

Rows are written per batch of requests (one flush for the ids, one commit), so 100 000
requests fit in memory. E-mail addresses use reserved example domains: the outbox must never
mail a real person about demo data.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from app.auth.roles import APPLICANT, HEAD, OFFICER, SECTION_HEAD
from app.core import codes
from app.core.transactions import unit_of_work
from app.letters import document as letters
from app.models import (
    COMPLAINT_CHANNELS,
    REQUEST_STATES,
    ActivityRequest,
    AuditEvent,
    ChecklistItem,
    Complaint,
    GuestBookEntry,
    Letter,
    LetterCounter,
    Office,
    OfficeSetting,
    QueueTicket,
    Rating,
    RekomUser,
    RequestVariable,
    Review,
)
from app.offices import workdays
from app.ops import bootstrap

BATCH = 500

# --- Pools -------------------------------------------------------------------------------------

MALE = (
    "Ahmad", "Muhammad", "Agus", "Budi", "Dedi", "Hendra", "Rudi", "Joko", "Eko", "Fajar",
    "Rizki", "Arif", "Yudi", "Andi", "Heru", "Irwan", "Wahyu", "Bambang", "Doni", "Fikri",
    "Hadi", "Ilham", "Reza", "Taufik", "Zulkifli", "Yusuf", "Firman", "Hasan", "Romi", "Sandi",
)
FEMALE = (
    "Siti", "Dewi", "Rina", "Sri", "Ani", "Nurul", "Fitri", "Yuliana", "Ratna", "Indah",
    "Maya", "Novi", "Putri", "Desi", "Rahma", "Wulan", "Mega", "Intan", "Eka", "Yeni",
    "Dian", "Lia", "Rosmawati", "Nurhayati", "Septi", "Anisa", "Herlina", "Evi", "Meli", "Tuti",
)
SURNAMES = (
    "Saputra", "Wijaya", "Pratama", "Hidayat", "Rahman", "Kurniawan", "Setiawan", "Gunawan",
    "Santoso", "Nugroho", "Firmansyah", "Syahputra", "Ramadhan", "Effendi", "Arifin",
    "Zulkarnain", "Fauzi", "Hamzah", "Ismail", "Mahendra", "Permana", "Kusuma", "Hakim",
    "Harahap", "Siregar", "Nasution",
)
FEMALE_SURNAMES = (
    "Anggraini", "Oktaviani", "Rahmawati", "Sari", "Puspita", "Handayani", "Wulandari",
    "Lestari", "Utami", "Maharani", "Susilawati", "Fitriani", "Safitri", "Novitasari",
)
DEGREES = ("S.E.", "S.Sos.", "S.Kom.", "S.T.", "S.Pd.", "S.E., M.Si.", "S.Sos., M.M.",
           "S.K.M., M.Kes.", "S.P., M.Si.", "S.Pd., M.Pd.", "S.STP., M.Si.", "S.H., M.H.")
PHONE_PREFIXES = ("0811", "0812", "0813", "0821", "0822", "0823", "0852", "0853", "0857",
                  "0877", "0878", "0895", "0896")
STREETS = ("Jl. Yos Sudarso", "Jl. Garuda", "Jl. Jenderal Sudirman", "Jl. Pelita",
           "Jl. Kartini", "Jl. Depati Said", "Jl. Letnan Muchtar Saleh", "Jl. Ahmad Yani",
           "Jl. Lintas Sumatera", "Jl. Kenanga", "Jl. Merdeka", "Jl. Sultan Mahmud Badaruddin II")
# Only meaningful for the default office; other offices get the regency/city as the place.
LUBUKLINGGAU_DISTRICTS = (
    "Lubuklinggau Barat I", "Lubuklinggau Barat II", "Lubuklinggau Selatan I",
    "Lubuklinggau Selatan II", "Lubuklinggau Timur I", "Lubuklinggau Timur II",
    "Lubuklinggau Utara I", "Lubuklinggau Utara II",
)
APPLICANT_POSITIONS = (
    "Statistisi Ahli Pertama", "Pranata Komputer Ahli Pertama", "Analis Kebijakan Ahli Muda",
    "Perencana Ahli Muda", "Perencana Ahli Pertama", "Kepala Subbagian Perencanaan dan Keuangan",
    "Kepala Seksi Data dan Informasi", "Kepala Subbagian Umum dan Kepegawaian",
    "Analis Data dan Informasi", "Pengelola Data", "Pranata Komputer Ahli Muda",
)

# Topical variables: (name, concept, definition, reference period).
V_HEALTH = (
    ("Status imunisasi dasar", "Kelengkapan imunisasi dasar bagi bayi",
     "Bayi usia 0-11 bulan yang telah menerima seluruh imunisasi dasar sesuai jadwal.",
     "Saat pencacahan"),
    ("Berat badan balita", "Ukuran antropometri untuk menilai status gizi",
     "Berat badan balita dalam kilogram hasil penimbangan petugas.", "Saat pencacahan"),
    ("Tinggi badan balita", "Ukuran antropometri untuk menilai stunting",
     "Panjang atau tinggi badan balita dalam sentimeter hasil pengukuran petugas.",
     "Saat pencacahan"),
    ("Waktu tunggu pelayanan", "Lama menunggu sejak mendaftar hingga dilayani",
     "Selisih waktu dalam menit antara pendaftaran dan dimulainya pelayanan.",
     "Kunjungan terakhir"),
    ("Keluhan kesehatan", "Gangguan kesehatan yang dirasakan",
     "Keadaan seseorang yang mengalami gangguan kesehatan atau kejiwaan dalam sebulan terakhir.",
     "Sebulan terakhir"),
)
V_SERVICE = (
    ("Kepuasan terhadap persyaratan pelayanan", "Unsur 1 Survei Kepuasan Masyarakat",
     "Penilaian responden atas kesesuaian persyaratan pelayanan dengan jenis pelayanannya.",
     "Kunjungan terakhir"),
    ("Kepuasan terhadap waktu pelayanan", "Unsur 3 Survei Kepuasan Masyarakat",
     "Penilaian responden atas kecepatan waktu dalam memberikan pelayanan.",
     "Kunjungan terakhir"),
    ("Kepuasan terhadap perilaku petugas", "Unsur 7 Survei Kepuasan Masyarakat",
     "Penilaian responden atas kesopanan dan keramahan petugas dalam memberikan pelayanan.",
     "Kunjungan terakhir"),
    ("Kepuasan terhadap sarana dan prasarana", "Unsur 9 Survei Kepuasan Masyarakat",
     "Penilaian responden atas kualitas sarana dan prasarana pelayanan.", "Kunjungan terakhir"),
)
V_FARM = (
    ("Luas lahan karet yang dikuasai", "Lahan perkebunan yang dikuasai rumah tangga",
     "Luas lahan tanaman karet milik sendiri maupun bukan milik sendiri dalam hektare.",
     "Saat pencacahan"),
    ("Produksi getah karet", "Hasil penyadapan tanaman karet",
     "Berat lateks atau lump yang dihasilkan dalam kilogram.", "Sebulan terakhir"),
    ("Harga jual karet di tingkat petani", "Harga produsen",
     "Harga yang diterima petani per kilogram karet pada transaksi terakhir.",
     "Transaksi terakhir"),
    ("Produksi padi", "Hasil panen gabah kering giling",
     "Berat gabah kering giling hasil panen dalam ton.", "Setahun terakhir"),
    ("Jumlah ternak sapi", "Populasi ternak",
     "Banyaknya sapi potong yang dipelihara pada tanggal pencacahan.", "Saat pencacahan"),
)
V_FISH = (
    ("Produksi perikanan budidaya", "Hasil budidaya ikan kolam dan keramba",
     "Berat ikan hasil panen budidaya dalam ton.", "Setahun terakhir"),
    ("Jumlah rumah tangga pembudidaya ikan", "Rumah tangga usaha perikanan",
     "Rumah tangga yang melakukan kegiatan budidaya ikan untuk dijual.", "Setahun terakhir"),
    ("Luas kolam budidaya", "Luas areal budidaya",
     "Luas kolam yang digunakan untuk budidaya ikan dalam meter persegi.", "Saat pencacahan"),
)
V_SOCIAL = (
    ("Status penerimaan bantuan sosial", "Kepesertaan program perlindungan sosial",
     "Rumah tangga yang menerima PKH, BPNT, atau bantuan sosial lain.", "Setahun terakhir"),
    ("Pengeluaran per kapita sebulan", "Pengeluaran konsumsi rumah tangga",
     "Rata-rata biaya yang dikeluarkan untuk konsumsi semua anggota rumah tangga dibagi "
     "banyaknya anggota rumah tangga.", "Sebulan terakhir"),
    ("Jenis lantai terluas", "Kualitas perumahan",
     "Bahan bangunan yang digunakan pada bagian terluas lantai rumah.", "Saat pencacahan"),
    ("Sumber air minum utama", "Akses air minum layak",
     "Sumber air yang paling banyak digunakan rumah tangga untuk minum.", "Saat pencacahan"),
)
V_EDU = (
    ("Partisipasi sekolah", "Status keikutsertaan dalam pendidikan formal",
     "Penduduk usia sekolah yang sedang bersekolah pada jenjang pendidikan formal.",
     "Tahun ajaran berjalan"),
    ("Jumlah siswa putus sekolah", "Siswa yang berhenti sebelum lulus",
     "Siswa yang meninggalkan sekolah sebelum menyelesaikan jenjang pendidikannya.",
     "Tahun ajaran lalu"),
    ("Frekuensi membaca buku", "Kegemaran membaca",
     "Banyaknya hari dalam seminggu responden membaca buku selain buku pelajaran.",
     "Seminggu terakhir"),
    ("Rasio guru terhadap murid", "Ketersediaan tenaga pendidik",
     "Perbandingan jumlah guru dengan jumlah murid pada satuan pendidikan.",
     "Tahun ajaran berjalan"),
)
V_WORK = (
    ("Status pekerjaan utama", "Kedudukan dalam pekerjaan",
     "Kedudukan seseorang dalam melakukan pekerjaan di suatu unit usaha.", "Seminggu terakhir"),
    ("Jam kerja seminggu", "Lama bekerja",
     "Jumlah jam kerja seluruh pekerjaan selama seminggu yang lalu.", "Seminggu terakhir"),
    ("Lapangan usaha", "Bidang kegiatan tempat bekerja",
     "Bidang kegiatan dari pekerjaan atau usaha tempat seseorang bekerja (KBLI 2020).",
     "Seminggu terakhir"),
    ("Upah atau gaji bersih sebulan", "Pendapatan dari pekerjaan",
     "Imbalan yang diterima selama sebulan oleh buruh atau karyawan dalam rupiah.",
     "Sebulan terakhir"),
)
V_POP = (
    ("Jumlah penduduk menurut kelompok umur", "Penduduk",
     "Semua orang yang berdomisili di wilayah ini menurut data administrasi kependudukan.",
     "Akhir semester"),
    ("Jumlah kelahiran", "Peristiwa kelahiran hidup",
     "Kelahiran yang dicatat dan diterbitkan akta kelahirannya.", "Semester berjalan"),
    ("Jumlah kematian", "Peristiwa kematian",
     "Kematian yang dilaporkan dan dicatat oleh dinas.", "Semester berjalan"),
    ("Jumlah perpindahan penduduk", "Mobilitas penduduk",
     "Penduduk yang pindah datang atau pindah keluar wilayah.", "Semester berjalan"),
)
V_BUSINESS = (
    ("Omzet usaha sebulan", "Nilai penjualan",
     "Nilai penjualan barang dan jasa usaha dalam sebulan dalam rupiah.", "Sebulan terakhir"),
    ("Jumlah tenaga kerja usaha", "Pekerja pada usaha",
     "Banyaknya orang yang bekerja pada usaha, dibayar maupun tidak dibayar.",
     "Saat pencacahan"),
    ("Status badan hukum koperasi", "Legalitas koperasi",
     "Koperasi yang telah memiliki akta pendirian yang disahkan.", "Akhir tahun"),
    ("Kepemilikan Nomor Induk Berusaha", "Legalitas usaha",
     "Usaha yang telah terdaftar pada sistem OSS dan memiliki NIB.", "Saat pencacahan"),
)
V_TOURISM = (
    ("Jumlah kunjungan wisatawan", "Kunjungan wisatawan nusantara",
     "Banyaknya kunjungan ke objek wisata yang tercatat pada loket atau buku tamu.",
     "Bulan berjalan"),
    ("Rata-rata pengeluaran wisatawan", "Pengeluaran selama berwisata",
     "Rata-rata biaya per orang selama melakukan perjalanan wisata dalam rupiah.",
     "Perjalanan terakhir"),
    ("Tingkat penghunian kamar hotel", "Pemakaian kamar akomodasi",
     "Persentase kamar yang terpakai terhadap kamar yang tersedia.", "Bulan berjalan"),
)
V_TRANSPORT = (
    ("Volume lalu lintas harian", "Arus kendaraan",
     "Jumlah kendaraan yang melewati titik pengamatan per hari.", "Hari pengamatan"),
    ("Maksud perjalanan", "Tujuan perjalanan",
     "Alasan utama responden melakukan perjalanan dari asal ke tujuan.", "Perjalanan terakhir"),
    ("Jumlah kendaraan bermotor terdaftar", "Kendaraan bermotor",
     "Kendaraan bermotor yang terdaftar menurut jenis kendaraan.", "Akhir tahun"),
)
V_PRICE = (
    ("Harga eceran beras medium", "Harga konsumen",
     "Harga yang dibayar konsumen per kilogram beras kualitas medium.", "Minggu pencacahan"),
    ("Harga eceran cabai merah", "Harga konsumen",
     "Harga yang dibayar konsumen per kilogram cabai merah keriting.", "Minggu pencacahan"),
    ("Jumlah pedagang aktif", "Pedagang pasar",
     "Pedagang yang menempati los atau kios dan berjualan pada hari pencacahan.",
     "Hari pencacahan"),
)
V_GENERIC = (
    ("Umur", "Lama hidup sejak lahir",
     "Umur dalam tahun yang dihitung berdasarkan ulang tahun terakhir.", "Saat pencacahan"),
    ("Jenis kelamin", "Perbedaan biologis laki-laki dan perempuan",
     "Jenis kelamin responden: laki-laki atau perempuan.", "Saat pencacahan"),
    ("Pendidikan tertinggi yang ditamatkan", "Jenjang pendidikan",
     "Jenjang pendidikan tertinggi yang telah diselesaikan dengan memperoleh ijazah.",
     "Saat pencacahan"),
    ("Jumlah anggota rumah tangga", "Rumah tangga biasa",
     "Semua orang yang biasanya bertempat tinggal di suatu rumah tangga.", "Saat pencacahan"),
    ("Kecamatan tempat tinggal", "Wilayah administrasi",
     "Kecamatan domisili responden sesuai kode wilayah Kemendagri.", "Saat pencacahan"),
)

# Agencies: (name, addressee title, e-mail local part, sector code, units, survey titles,
# compilation titles, topical variables). "{r}" is the regency/city, e.g. "Kota Lubuklinggau".
AGENCIES = (
    ("Dinas Kesehatan {r}", "Kepala Dinas Kesehatan {r}", "dinkes", "health",
     ("Bidang Kesehatan Masyarakat", "Bidang Pencegahan dan Pengendalian Penyakit",
      "Bidang Pelayanan dan Sumber Daya Kesehatan"),
     ("Survei Kepuasan Masyarakat terhadap Pelayanan Puskesmas", "Survei Status Gizi Balita",
      "Survei Perilaku Hidup Bersih dan Sehat Rumah Tangga"),
     ("Kompilasi Data Profil Kesehatan", "Kompilasi Data Imunisasi Dasar Lengkap"),
     V_HEALTH + V_SERVICE),
    ("Bappeda {r}", "Kepala Bappeda {r}", "bappeda", "development",
     ("Bidang Perencanaan, Pengendalian dan Evaluasi Pembangunan",
      "Bidang Perekonomian dan Sumber Daya Alam", "Bidang Pemerintahan dan Pembangunan Manusia"),
     ("Survei Sosial Ekonomi Rumah Tangga Miskin", "Survei Angkatan Kerja Daerah",
      "Survei Indeks Kepuasan Masyarakat Daerah"),
     ("Kompilasi Data Indikator Kinerja Utama Daerah", "Kompilasi Data Pembangunan Daerah"),
     V_SOCIAL + V_WORK),
    ("Dinas Pendidikan {r}", "Kepala Dinas Pendidikan {r}", "disdik", "education_training",
     ("Bidang Pembinaan Sekolah Dasar", "Bidang Pembinaan Sekolah Menengah Pertama",
      "Bidang Pendidikan Anak Usia Dini dan Pendidikan Nonformal"),
     ("Survei Minat Baca Siswa Sekolah Dasar", "Survei Anak Putus Sekolah"),
     ("Kompilasi Data Pokok Pendidikan", "Kompilasi Data Sarana dan Prasarana Sekolah"),
     V_EDU),
    ("Dinas Pertanian {r}", "Kepala Dinas Pertanian {r}", "distan", "agriculture_fisheries",
     ("Bidang Tanaman Pangan dan Hortikultura", "Bidang Perkebunan",
      "Bidang Peternakan dan Kesehatan Hewan"),
     ("Survei Sosial Ekonomi Petani Karet", "Survei Ubinan Padi Sawah",
      "Survei Harga Produsen Gabah"),
     ("Kompilasi Data Produksi Padi dan Palawija", "Kompilasi Data Populasi Ternak"),
     V_FARM),
    ("Dinas Sosial {r}", "Kepala Dinas Sosial {r}", "dinsos", "social_protection",
     ("Bidang Perlindungan dan Jaminan Sosial", "Bidang Rehabilitasi Sosial",
      "Bidang Pemberdayaan Sosial dan Penanganan Fakir Miskin"),
     ("Survei Penerima Bantuan Sosial", "Survei Penyandang Masalah Kesejahteraan Sosial"),
     ("Kompilasi Data Terpadu Kesejahteraan Sosial",),
     V_SOCIAL),
    ("Dinas Kependudukan dan Pencatatan Sipil {r}",
     "Kepala Dinas Kependudukan dan Pencatatan Sipil {r}", "disdukcapil", "demography",
     ("Bidang Pelayanan Pendaftaran Penduduk", "Bidang Pelayanan Pencatatan Sipil",
      "Bidang Pengelolaan Informasi Administrasi Kependudukan"),
     ("Survei Kepuasan Masyarakat terhadap Pelayanan Administrasi Kependudukan",),
     ("Kompilasi Data Kependudukan Semester I", "Kompilasi Data Kependudukan Semester II",
      "Kompilasi Data Kelahiran dan Kematian"),
     V_POP + V_SERVICE),
    ("Dinas Koperasi dan UKM {r}", "Kepala Dinas Koperasi dan UKM {r}", "diskopukm",
     "industry_services",
     ("Bidang Koperasi", "Bidang Usaha Mikro, Kecil dan Menengah"),
     ("Survei Pelaku Usaha Mikro dan Kecil", "Survei Sosial Ekonomi Pedagang Pasar Tradisional"),
     ("Kompilasi Data Koperasi Aktif",),
     V_BUSINESS),
    ("Dinas Pariwisata {r}", "Kepala Dinas Pariwisata {r}", "dispar", "industry_services",
     ("Bidang Destinasi Pariwisata", "Bidang Pemasaran Pariwisata", "Bidang Ekonomi Kreatif"),
     ("Survei Wisatawan Nusantara", "Survei Kepuasan Pengunjung Objek Wisata"),
     ("Kompilasi Data Kunjungan Wisatawan", "Kompilasi Data Usaha Akomodasi dan Restoran"),
     V_TOURISM),
    ("RSUD Siti Aisyah {r}", "Direktur RSUD Siti Aisyah {r}", "rsudsa", "health",
     ("Bidang Pelayanan Medik", "Bidang Keperawatan", "Bagian Perencanaan dan Rekam Medik"),
     ("Survei Kepuasan Pasien Rawat Inap", "Survei Kepuasan Pasien Rawat Jalan"),
     ("Kompilasi Data Rekam Medis Pasien",),
     V_HEALTH + V_SERVICE),
    ("Dinas Ketahanan Pangan dan Perikanan {r}",
     "Kepala Dinas Ketahanan Pangan dan Perikanan {r}", "dkpp", "agriculture_fisheries",
     ("Bidang Perikanan Budidaya", "Bidang Ketersediaan dan Distribusi Pangan"),
     ("Survei Sosial Ekonomi Pembudidaya Ikan", "Survei Pola Konsumsi Pangan Rumah Tangga"),
     ("Kompilasi Data Produksi Perikanan", "Kompilasi Data Produksi Perikanan Budidaya"),
     V_FISH + V_PRICE),
    ("Dinas Tenaga Kerja {r}", "Kepala Dinas Tenaga Kerja {r}", "disnaker", "labour",
     ("Bidang Penempatan dan Perluasan Kesempatan Kerja", "Bidang Hubungan Industrial"),
     ("Survei Angkatan Kerja Daerah", "Survei Kebutuhan Tenaga Kerja Perusahaan"),
     ("Kompilasi Data Pencari Kerja Terdaftar",),
     V_WORK),
    ("Dinas Perhubungan {r}", "Kepala Dinas Perhubungan {r}", "dishub", "transport",
     ("Bidang Lalu Lintas dan Angkutan Jalan", "Bidang Sarana dan Prasarana"),
     ("Survei Asal Tujuan Perjalanan", "Survei Lalu Lintas Harian Rata-rata"),
     ("Kompilasi Data Kendaraan Bermotor",),
     V_TRANSPORT),
    ("Dinas Perdagangan dan Perindustrian {r}", "Kepala Dinas Perdagangan dan Perindustrian {r}",
     "disperindag", "industry_services",
     ("Bidang Perdagangan", "Bidang Perindustrian", "UPTD Pasar"),
     ("Survei Harga Konsumen Pasar Tradisional",),
     ("Kompilasi Data Industri Kecil dan Menengah",),
     V_PRICE + V_BUSINESS),
)
# Words kept as written when a title becomes a phrase inside a sentence.
_KEEP_CASE = {"RSUD", "UKM", "UMKM", "Siti", "Aisyah", "I", "II", "Lubuklinggau"}

BACKGROUND = (
    "Data mengenai {topic} di {place} sampai saat ini belum tersedia secara lengkap dan mutakhir.",
    "{agency} memerlukan data {topic} sebagai dasar perencanaan program dan kegiatan "
    "tahun {next}.",
    "Penyusunan RPJMD dan Renstra perangkat daerah membutuhkan indikator yang terukur dan "
    "dapat dibandingkan antarwaktu.",
    "Hasil kegiatan serupa pada tahun sebelumnya menunjukkan perlunya pemutakhiran data secara "
    "berkala.",
    "Sesuai Undang-Undang Nomor 16 Tahun 1997 tentang Statistik, kegiatan statistik sektoral "
    "perlu dikoordinasikan dengan BPS agar tidak terjadi duplikasi.",
    "Permintaan data {topic} dari berbagai pihak terus meningkat, sementara sumber data yang "
    "ada belum memadai.",
)
OBJECTIVES = (
    "Memperoleh gambaran {topic} di {place}.",
    "Menyediakan data {topic} yang akurat dan mutakhir sebagai bahan evaluasi program.",
    "Mengukur capaian indikator kinerja perangkat daerah tahun {year}.",
    "Mengidentifikasi permasalahan dan kebutuhan masyarakat terkait {topic}.",
)
BENEFITS = (
    "Hasil kegiatan menjadi dasar penyusunan kebijakan dan perencanaan pembangunan daerah.",
    "Data yang dihasilkan dapat digunakan oleh perangkat daerah lain dan masyarakat umum.",
    "Hasil kegiatan menjadi bahan evaluasi dan perbaikan mutu pelayanan publik.",
)
FUNDING = ("APBD {r} Tahun Anggaran {y}", "DAK Nonfisik Tahun Anggaran {y}",
           "APBN (Dana Dekonsentrasi) Tahun Anggaran {y}", "APBD {r} Tahun Anggaran {y}")
QUALITY_CONTROL = (
    "Pemeriksaan kelengkapan dan konsistensi isian oleh pengawas lapangan.",
    "Pengawasan berjenjang oleh koordinator dan pemeriksaan ulang 10 persen sampel.",
    "Validasi otomatis pada aplikasi dan pemeriksaan silang dengan data tahun sebelumnya.",
)
CHECK_NOTES = {  # by the default checklist's positions (bootstrap.DEFAULT_CHECKLIST)
    1: "Nama unit eselon II penyelenggara belum diisi.",
    2: "Nomor telepon penanggung jawab teknis belum dicantumkan.",
    3: "Tujuan kegiatan belum menggambarkan indikator yang akan dihasilkan.",
    4: "Jadwal tahap pengolahan dan analisis belum diisi.",
    5: "Frekuensi penyelenggaraan belum dipilih.",
    6: "Ukuran sampel tidak sesuai dengan tingkat penyajian yang direncanakan.",
    7: "Definisi operasional beberapa variabel belum dicantumkan.",
    8: "Kuesioner belum dilampirkan.",
    9: "Kegiatan mirip dengan kegiatan yang telah direkomendasikan; mohon jelaskan perbedaannya.",
}
SUGGESTIONS = (
    "Agar menggunakan konsep dan definisi standar BPS pada variabel ketenagakerjaan dan "
    "pendidikan.",
    "Agar hasil kegiatan disampaikan kepada BPS {r} untuk dimuat dalam Satu Data Indonesia.",
    "Agar metadata kegiatan dan variabel diunggah ke aplikasi Indah (Indonesia Data Hub).",
    "Agar memperhatikan kerahasiaan data individu responden sesuai ketentuan yang berlaku.",
)
COMPLAINTS = (
    ("Proses rekomendasi lama", "Permohonan rekomendasi kami sudah lebih dari sebulan belum "
     "ada kabar. Mohon informasi perkembangannya."),
    ("Surat rekomendasi belum diterima", "Status permohonan sudah terkirim, tetapi surat belum "
     "kami terima melalui surel."),
    ("Gagal mengunggah kuesioner", "Saat mengunggah berkas kuesioner selalu muncul pesan galat, "
     "padahal ukuran berkas kurang dari 5 MB."),
    ("Antrean layanan terlalu lama", "Pada hari Senin antrean di ruang PST cukup panjang dan "
     "petugas yang melayani hanya satu orang."),
    ("Persyaratan kurang jelas", "Informasi persyaratan permohonan di situs web berbeda dengan "
     "yang disampaikan petugas."),
    ("Permintaan konsultasi daring", "Mohon disediakan layanan konsultasi rekomendasi melalui "
     "konferensi video untuk instansi di luar kota."),
    ("Kode pelacakan tidak ditemukan", "Kode pelacakan yang kami terima tidak dapat ditemukan di "
     "halaman lacak permohonan."),
)
ANSWERS = (
    "Terima kasih atas masukannya. Permohonan Bapak/Ibu sedang kami periksa dan akan kami "
    "kabari paling lambat minggu ini.",
    "Mohon maaf atas ketidaknyamanannya. Surat telah kami kirim ulang ke alamat surel "
    "penanggung jawab kegiatan.",
    "Gangguan unggah berkas telah diperbaiki. Silakan mencoba kembali.",
    "Terima kasih. Mulai bulan depan kami menambah petugas layanan pada hari Senin.",
    "Informasi persyaratan di situs web telah kami perbarui sesuai ketentuan terbaru.",
)
RATING_COMMENTS = (
    "Pelayanan cepat dan petugas ramah.", "Petugas sangat membantu dalam melengkapi formulir.",
    "Proses cukup lama, mohon dipercepat.", "Terima kasih, sangat puas dengan pelayanannya.",
    "Informasi persyaratan sebaiknya lebih jelas di situs web.",
)
VISIT_PURPOSES = (
    "Konsultasi rekomendasi kegiatan statistik", "Menyerahkan berkas permohonan rekomendasi",
    "Mengambil surat rekomendasi", "Konsultasi data dan metadata statistik sektoral",
    "Permintaan data publikasi", "Konsultasi penyusunan kuesioner",
)


# --- Small helpers -------------------------------------------------------------------------------

def _person(r: random.Random) -> tuple[str, str]:
    if r.random() < 0.5:
        return r.choice(MALE), r.choice(SURNAMES)
    return r.choice(FEMALE), r.choice(SURNAMES + FEMALE_SURNAMES)


def _phone(r: random.Random) -> str:
    prefix = r.choice(PHONE_PREFIXES)  # drawn before the digits: the demo data stays the same
    return prefix + "".join(str(r.randrange(10)) for _ in range(r.choice((7, 8))))


def _ktp(r: random.Random, region_code: str) -> str:
    """A 16-digit NIK: region (4) + district (2) + birth date (6, women +40 on the day) + 4."""
    day = r.randint(1, 28) + (40 if r.random() < 0.5 else 0)
    return (f"{region_code}{r.randint(1, 8):02d}{day:02d}{r.randint(1, 12):02d}"
            f"{r.randint(60, 99):02d}{r.randint(1, 9999):04d}")


def _topic(title: str) -> str:
    # Drop the activity word: "Survei X" -> "x", "Kompilasi Data X" -> "x".
    core = title.split(" ", 2 if title.startswith("Kompilasi Data") else 1)[-1]
    return " ".join(w if w in _KEEP_CASE else w.lower() for w in core.split())


def _weekday(d: dt.datetime) -> dt.datetime:
    """Move a weekend moment to Monday morning: offices work Monday to Friday."""
    wd = d.weekday()
    if wd >= 5:
        d = (d + dt.timedelta(days=7 - wd)).replace(hour=8, minute=0) + dt.timedelta(
            minutes=d.minute
        )
    return d


def _office_hours(r: random.Random, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(r.randint(8, 15), r.randrange(60), r.randrange(60)))


# --- Request timelines -------------------------------------------------------------------------

# How far back a request in this state may start, in weeks: open work is recent, archives old.
_AGE_WEEKS = {"draft": 6, "submitted": 2, "in_review": 3, "revision_requested": 4, "verified": 3,
              "letter_drafted": 3, "letter_initialled": 2, "issued": 2, "sent": 8, "closed": 120,
              "withdrawn": 120}
_STATE_WEIGHTS = {"draft": 6, "submitted": 6, "in_review": 6, "revision_requested": 5,
                  "verified": 4, "letter_drafted": 4, "letter_initialled": 2, "issued": 4,
                  "sent": 12, "closed": 48, "withdrawn": 5}
_PAST_REVIEW = ("verified", "letter_drafted", "letter_initialled", "issued", "sent", "closed")


def _timeline(r: random.Random, state: str, last_day: dt.date) -> list[tuple]:
    """The transitions leading to ``state``: (action, from, to, local time, actor role).

    Built forward from a day far back, then moved by whole weeks (weekdays stay weekdays) so
    the last event falls on or before ``last_day``, at most _AGE_WEEKS earlier.
    """
    ev: list[tuple] = []
    t = _office_hours(r, last_day - dt.timedelta(days=900))
    t = _weekday(t)

    def step(action, frm, to, actor, lo, hi):
        nonlocal t
        nxt = _office_hours(r, (t + dt.timedelta(days=r.randint(lo, hi))).date())
        if nxt <= t:
            nxt = t + dt.timedelta(minutes=r.randint(5, 120))
        t = _weekday(nxt)
        ev.append((action, frm, to, t, actor))

    ev.append(("create", None, "draft", t, "applicant"))
    if state != "draft":
        step("submit", "draft", "submitted", "applicant", 0, 6)
        # A revision round before the current state, for some of the requests that got past it.
        cycle = state == "revision_requested" or (
            state in _PAST_REVIEW + ("submitted", "in_review") and r.random() < 0.3
        )
        if state == "submitted":
            reviews = cycle  # back from revision, waiting to be picked up again
        elif state == "withdrawn":
            reviews = r.random() < 0.5  # withdrawn before or during the review
        else:
            reviews = True
        if reviews:
            step("start_review", "submitted", "in_review", "officer", 1, 5)
            if cycle:
                step("request_revision", "in_review", "revision_requested", "officer", 1, 4)
                if state != "revision_requested":
                    step("resubmit", "revision_requested", "submitted", "applicant", 3, 14)
                    if state != "submitted":
                        step("start_review", "submitted", "in_review", "officer", 1, 3)
        if state in _PAST_REVIEW:
            step("verify", "in_review", "verified", "officer", 1, 5)
        if state in _PAST_REVIEW[1:]:
            step("draft_letter", "verified", "letter_drafted", "officer", 0, 3)
        if state == "letter_initialled":
            step("initial", "letter_drafted", "letter_initialled", "section_head", 0, 2)
        if state in _PAST_REVIEW[3:]:
            step("issue", "letter_drafted", "issued", "head", 1, 5)
        if state in _PAST_REVIEW[4:]:
            step("send", "issued", "sent", "officer", 0, 2)
        if state == "closed":
            step("close", "sent", "closed", "officer", 3, 30)
        if state == "withdrawn":
            step("withdraw", ev[-1][2], "withdrawn", "applicant", 1, 10)
    latest = (last_day - t.date()).days // 7
    shift = dt.timedelta(weeks=latest - r.randint(0, _AGE_WEEKS[state]))
    return [(a, f, to, when + shift, who) for a, f, to, when, who in ev]


# --- The generator -------------------------------------------------------------------------------

# The tables generate() reports on, in the order of its report.
_TABLES = ("ab_user", "activity_request", "request_variable", "review", "letter",
           "letter_counter", "rating", "complaint", "queue_ticket", "guest_book_entry",
           "audit_event")


def generate(n_requests: int = 60, seed: int = 1674, *, today: dt.date | None = None
             ) -> dict[str, int]:
    """Fill demo data; returns the number of rows created per table.

    ``today`` (local date) pins the calendar for repeatable output; by default the real date.
    The builders draw from one ``rng`` one after another: their order is part of the output.
    """
    session = current_app.appbuilder.session
    rng = random.Random(seed)
    counts = dict.fromkeys(_TABLES, 0)
    office, site = _site(session, today)
    password = current_app.config.get("DEMO_PASSWORD", "demo12345")
    staff = _staff(rng, office, site, password, counts)
    agencies = _agencies(rng, site)
    applicants = _applicants(session, rng, site, agencies, max(3, n_requests // 10), seed,
                             password, counts)
    plan, issued = _plan(rng, n_requests, site.last_day)
    numbers = _letter_numbers(session, site.office_id, issued)
    made = _requests(session, site, plan, _Cast(staff, agencies, applicants), numbers, counts)
    _complaints(session, rng, site, max(2, n_requests // 8), made, applicants,
                staff.officer_ids, counts)
    _front_desk(session, rng, site, made, agencies, staff.officer_ids, counts)
    return counts


# --- Office, staff, agencies, applicants ---------------------------------------------------------

@dataclass(frozen=True)
class _Site:
    """The office being filled, read once: its rules, calendar and checklist; and the clock."""

    office_id: int
    office_code: str
    region: str  # "Kota Lubuklinggau"
    region_code: str  # the first digits of an NIK
    slug: str  # the agencies' e-mail domain
    districts: tuple[str, ...]
    number_pattern: str
    classification: str
    sla_days: int
    ack_days: int
    answer_days: int
    calendar: workdays.WorkCalendar
    checklist: list[tuple[str, str, int]]  # (id, applies_to, position) of the active items
    today: dt.date
    now_local: dt.datetime
    utc_offset: dt.timedelta

    @property
    def last_day(self) -> dt.date:
        """Requests end before today: no events in the future."""
        return self.today - dt.timedelta(days=1)

    def utc(self, local: dt.datetime) -> dt.datetime:
        """Stored times are naive UTC (models._now); office hours are local."""
        return local - self.utc_offset


def _site(session, today: dt.date | None) -> tuple[Office, _Site]:
    """The default office (created if missing) with its settings, calendar and checklist."""
    cfg = current_app.config
    tz = ZoneInfo(cfg.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Jakarta")
    now_local = dt.datetime.now(tz).replace(tzinfo=None)
    today = today or now_local.date()
    office = bootstrap.ensure_default_office()
    office_id, office_code = office.id, office.code
    region = office.name.removeprefix("BPS ").strip()
    setting = session.scalars(
        select(OfficeSetting).where(OfficeSetting.office_id == office_id)
    ).one()
    # Due dates by the office's real calendar (holidays, cuti bersama), as the workflow will.
    calendar = workdays.office_calendar(session, office.id)
    checklist = [
        (str(i), scope, pos) for i, scope, pos in session.execute(
            select(ChecklistItem.id, ChecklistItem.applies_to, ChecklistItem.position)
            .where(ChecklistItem.office_id == office_id, ChecklistItem.active.is_(True))
            .order_by(ChecklistItem.position, ChecklistItem.id)
        )
    ]
    return office, _Site(
        office_id=office_id, office_code=office_code, region=region,
        region_code=office_code[:4] if len(office_code) >= 4 and office_code.isdigit()
        else "1674",
        slug="".join(ch for ch in region.lower() if ch.isalnum()),
        districts=LUBUKLINGGAU_DISTRICTS if "Lubuklinggau" in region else (),
        number_pattern=setting.number_pattern, classification=setting.classification_code,
        sla_days=setting.sla_working_days, ack_days=setting.complaint_ack_days,
        answer_days=setting.complaint_answer_days, calendar=calendar, checklist=checklist,
        today=today, now_local=now_local,
        utc_offset=tz.utcoffset(dt.datetime.combine(today, dt.time(12))),
    )


class _Staff(NamedTuple):
    """The officers who review, the head who issues, and the name and NIP letters carry."""

    officer_ids: list[int]
    head_id: int
    section_head_id: int
    signer_name: str
    signer_nip: str


def _staff(rng: random.Random, office: Office, site: _Site, password: str, counts: dict
           ) -> _Staff:
    """Two officers, a section head and the head of the office (create_user hashes and
    commits; four accounts, so that is fine)."""
    sm = current_app.appbuilder.sm
    staff = {}
    for username, role, first, last in (
        ("petugas1", OFFICER, "Rina", "Oktaviani"),
        ("petugas2", OFFICER, "Agus", "Setiawan"),
        ("kepala", HEAD, "Hendra", "Gunawan"),
    ):
        phone = _phone(rng)  # drawn even when the account exists: the rest stays repeatable
        user = sm.find_user(username=username)
        if user is None:
            email = f"{first}.{last}.{site.office_code}@bps.example".lower()
            if sm.find_user(email=email):
                email = f"{username}.{site.office_code}@bps.example"
            user = bootstrap.create_user(
                role, username, email, password, first, last, office_code=site.office_code,
                phone=phone, position="Statistisi Ahli Muda" if role == OFFICER
                else f"Kepala {office.name}",
            )
            counts["ab_user"] += 1
        staff[username] = (user.id, f"{user.first_name} {user.last_name}")
    # A section head for the sign-off chain (off in the demo offices: the admin turns it on in
    # the office's settings). Made after the draws above, so the rest of the demo stays as it
    # was for a seed.
    section_head = sm.find_user(username="kasi")
    if section_head is None:
        section_head = bootstrap.create_user(
            SECTION_HEAD, "kasi", f"kasi.{site.office_code}@bps.example", password, "Dewi",
            "Lestari", office_code=site.office_code, position="Ketua Tim Statistik Sosial")
        counts["ab_user"] += 1
    head_id, head_name = staff["kepala"]
    # The head on the office too (not only on the seeded letters), so that a letter issued
    # afterwards is signed with the same name and NIP.
    office.head_name = office.head_name or f"{head_name}, S.Si., M.M."
    office.head_nip = office.head_nip or "197510122000121001"
    return _Staff([staff["petugas1"][0], staff["petugas2"][0]], head_id, section_head.id,
                  office.head_name, office.head_nip)


def _agencies(rng: random.Random, site: _Site) -> list[dict]:
    """The agencies of this run: addresses and phones fixed per seed."""
    return [
        dict(
            name=name.format(r=site.region), head=head.format(r=site.region), sector=sector,
            units=units, survey=s_titles, compilation=c_titles, variables=variables,
            address=f"{rng.choice(STREETS)} No. {rng.randint(1, 150)}, {site.region}",
            phone=f"(0733) {rng.randint(300000, 459999)}", email=f"{local}@{site.slug}.example",
        )
        for name, head, local, sector, units, s_titles, c_titles, variables in AGENCIES
    ]


def _applicants(session, rng: random.Random, site: _Site, agencies: list[dict], n: int,
                seed: int, password: str, counts: dict) -> list[dict]:
    """Applicants as dicts with the profile and, once written, the id. Profiles come from the
    seed, so existing ones are re-derived, not stored; new ones are written 2 000 at a time."""
    cfg = current_app.config
    prefix = f"pemohon{seed}_"
    existing = dict(session.execute(
        select(RekomUser.username, RekomUser.id).where(
            RekomUser.username.startswith(prefix, autoescape=True))
    ).all())
    applicant_role = current_app.appbuilder.sm.find_role(APPLICANT)
    # One hash for all demo applicants: hashing 10 000 passwords would take minutes.
    hashed = generate_password_hash(
        password, method=cfg.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=cfg.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))
    applicants, pending = [], []
    for i in range(1, n + 1):
        first, last = _person(rng)
        profile = dict(
            username=f"{prefix}{i}", first=first, last=last,
            agency=rng.randrange(len(agencies)), position=rng.choice(APPLICANT_POSITIONS),
            phone=_phone(rng), ktp=_ktp(rng, site.region_code),
            email=f"{first}.{last}.{seed}.{i}@example.com".lower(),
        )
        applicants.append(profile)
        if profile["username"] in existing:
            profile["id"] = existing[profile["username"]]
            continue
        pending.append((profile, RekomUser(
            first_name=first, last_name=last, username=profile["username"],
            email=profile["email"], active=True, password=hashed, roles=[applicant_role],
            id_doc_type="ktp", id_doc_number=profile["ktp"], phone=profile["phone"],
            agency=agencies[profile["agency"]]["name"], position=profile["position"],
        )))
        if len(pending) >= 2000:
            _write_applicants(session, pending, counts)
    if pending:
        _write_applicants(session, pending, counts)
    return applicants


def _write_applicants(session, pending: list[tuple[dict, RekomUser]], counts: dict) -> None:
    """One chunk of new applicants, in a transaction of its own; their ids go to the profiles."""
    with unit_of_work(session):
        session.add_all([u for _, u in pending])
        session.flush()
        for p, u in pending:
            p["id"] = u.id
    counts["ab_user"] += len(pending)
    pending.clear()


# --- Requests: plan, letter numbers, batches -----------------------------------------------------

def _plan(rng: random.Random, n_requests: int, last_day: dt.date
          ) -> tuple[list[tuple], list[tuple]]:
    """(creation time, sub-seed, state) of every request, every state at least once, in
    creation order: ids follow creation time, as in real use. And (issue time, plan index) of
    the letters to be issued, to number them in the order they were signed."""
    states = list(REQUEST_STATES)[:n_requests]
    states += rng.choices(list(_STATE_WEIGHTS), weights=list(_STATE_WEIGHTS.values()),
                          k=n_requests - len(states))
    rng.shuffle(states)
    plan = []
    for state in states:
        sub = rng.getrandbits(64)
        ev = _timeline(random.Random(sub), state, last_day)
        plan.append((ev[0][3], sub, state))
    plan.sort(key=lambda p: p[0])
    issued = []
    for idx, (_, sub, state) in enumerate(plan):
        if state in ("issued", "sent", "closed"):
            ev = _timeline(random.Random(sub), state, last_day)
            issued.append((next(e[3] for e in ev if e[0] == "issue"), idx))
    issued.sort()
    return plan, issued


@dataclass
class _Numbers:
    """The office's letter counters by year; (year, sequence) by plan index of each letter to
    be issued; and by year the sequence the counter holds as committed so far."""

    counters: dict[int, LetterCounter]
    by_index: dict[int, tuple[int, int]]
    committed: dict[int, int]


def _letter_numbers(session, office_id: int, issued: list[tuple]) -> _Numbers:
    """Sequences continue after the counter (and any letter beyond it, to be safe)."""
    counters = {c.year: c for c in session.scalars(
        select(LetterCounter).where(LetterCounter.office_id == office_id))}
    last_seq = {year: c.last_sequence for year, c in counters.items()}
    for year, top in session.execute(
        select(Letter.year, func.max(Letter.sequence))
        .where(Letter.office_id == office_id, Letter.sequence.is_not(None))
        .group_by(Letter.year)
    ):
        last_seq[year] = max(last_seq.get(year, 0), top or 0)
    by_index = {}
    for when, idx in issued:
        year = when.year
        last_seq[year] = last_seq.get(year, 0) + 1
        by_index[idx] = (year, last_seq[year])
    return _Numbers(counters, by_index,
                    {year: c.last_sequence for year, c in counters.items()})


class _Cast(NamedTuple):
    """Who the requests are by and for."""

    staff: _Staff
    agencies: list[dict]
    applicants: list[dict]


class _Built(NamedTuple):
    """A request before it is written, with what is written after it has an id."""

    request: ActivityRequest
    letter: Letter | None
    variables: list[dict]
    events: list[tuple]
    applicant_id: int
    officer_id: int
    applicant_index: int


def _fresh_code(used: set[str], prefix: str) -> str:
    """A tracking code not in ``used`` (and in it from now on)."""
    while True:
        code = codes.tracking_code(prefix)
        if code not in used:
            used.add(code)
            return code


def _requests(session, site: _Site, plan: list[tuple], cast: _Cast, numbers: _Numbers,
              counts: dict) -> list[tuple]:
    """The requests, BATCH at a time; returns (request id, applicant index, channel, state)
    of each, for the complaints and the guest book."""
    used_codes = set(session.scalars(select(ActivityRequest.tracking_code)))
    made = []
    for start in range(0, len(plan), BATCH):
        batch_max = {}  # the highest sequence issued in the batch, by year
        built = [
            _planned_request(idx, plan[idx], site, cast, numbers, used_codes, batch_max, counts)
            for idx in range(start, min(start + BATCH, len(plan)))
        ]
        made += _write_batch(session, site, built, cast.staff, numbers, batch_max, counts)
    return made


def _planned_request(idx: int, planned: tuple, site: _Site, cast: _Cast, numbers: _Numbers,
                     used_codes: set[str], batch_max: dict, counts: dict) -> _Built:
    """One request replayed from its sub-seed: the form, its dates, reviews, letter, rating."""
    _, sub, state = planned
    r = random.Random(sub)
    ev = _timeline(r, state, site.last_day)
    at = {a: when for a, _, _, when, _ in ev}  # the latest time of each action
    app_idx = r.randrange(len(cast.applicants))
    who = cast.applicants[app_idx]
    agency = cast.agencies[who["agency"]]
    req, variables = _request(r, state, ev, at, who, agency, site.region, site.districts,
                              site.office_id)
    req.tracking_code = _fresh_code(used_codes, "RKS")
    req.created_at = site.utc(ev[0][3])
    req.updated_at = site.utc(ev[-1][3])
    officer_id = r.choice(cast.staff.officer_ids)
    if "submit" in at:
        first_submit = next(e[3] for e in ev if e[0] == "submit")
        req.submitted_at = req.complete_at = site.utc(first_submit)
        req.due_date = site.calendar.due_date(first_submit.date(), site.sla_days)
    if "start_review" in at:
        req.officer_id = officer_id
    if state == "revision_requested":
        req.clock_paused_at = site.utc(at["request_revision"])
    if "send" in at:
        req.sent_at = site.utc(at["send"])
        if "submit" in at:  # as the workflow counts it when it sends (the dashboard's median)
            req.sent_working_days = site.calendar.working_days_between(
                first_submit.date(), at["send"].date())
    if state == "closed":
        req.closed_at = site.utc(at["close"])

    req.reviews = _reviews(r, ev, req.kind, site.checklist, officer_id, site.utc)
    letter = None
    if "draft_letter" in at:
        number = numbers.by_index.get(idx)
        letter = _letter(r, req, at, number, site, cast.staff, officer_id)
        if number is not None:
            year, seq = number
            batch_max[year] = max(batch_max.get(year, 0), seq)
        counts["letter"] += 1
    rating = _rating(r, at, site, who["id"])
    if rating is not None:
        req.rating = rating
        counts["rating"] += 1
    counts["review"] += len(req.reviews)
    return _Built(req, letter, variables, ev, who["id"], officer_id, app_idx)


def _letter(r: random.Random, req: ActivityRequest, at: dict, number: tuple[int, int] | None,
            site: _Site, staff: _Staff, officer_id: int) -> Letter:
    """The letter of a request past "draft letter"; numbered, dated and hashed when issued."""
    result = "fit" if r.random() < 0.95 else "not_fit"
    # The body the officer's "draft letter" would start from: a drafted demo letter can be
    # signed like a real one.
    letter = Letter(
        office_id=site.office_id, result=result, body=letters.default_body(req, result),
        suggestions=" ".join(s.format(r=site.region) for s in r.sample(SUGGESTIONS, 2)),
        drafted_at=site.utc(at["draft_letter"]), drafted_by_id=officer_id,
        signer_name=staff.signer_name, signer_nip=staff.signer_nip,
        verification_code=codes.random_token(20),
    )
    if number is not None:
        year, seq = number
        letter.year, letter.sequence = year, seq
        letter.number = site.number_pattern.format(
            seq=seq, office_code=site.office_code, classification=site.classification,
            year=year)
        letter.letter_date = at["issue"].date()
        letter.issued_at = site.utc(at["issue"])
        letter.issued_by_id = staff.head_id
        # No PDF in demo data; the hash stands for the bytes that would be frozen.
        letter.sha256 = hashlib.sha256(
            f"{letter.number}|{req.tracking_code}|{req.title}".encode()).hexdigest()
    if "initial" in at:
        letter.initialled_by_id = staff.section_head_id
        letter.initialled_at = site.utc(at["initial"])
    if "send" in at:
        letter.sent_at = site.utc(at["send"])
    return letter


def _rating(r: random.Random, at: dict, site: _Site, rater_id: int) -> Rating | None:
    """Most sent requests are rated, between the sending and the closing (or within hours)."""
    if "send" not in at or r.random() >= 0.7:
        return None
    end = at.get("close", min(at["send"] + dt.timedelta(hours=r.randint(1, 20)),
                              dt.datetime.combine(site.last_day, dt.time(23, 59))))
    rated = at["send"] + (end - at["send"]) * r.random()
    scores = r.choices((1, 2, 3, 4), weights=(2, 8, 45, 45), k=9)
    return Rating(
        office_id=site.office_id, rater_id=rater_id, created_at=site.utc(rated),
        comment=r.choice(RATING_COMMENTS) if r.random() < 0.4 else None,
        **{f"e{i}": v for i, v in enumerate(scores, start=1)},
    )


def _write_batch(session, site: _Site, built: list[_Built], staff: _Staff, numbers: _Numbers,
                 batch_max: dict, counts: dict) -> list[tuple]:
    """A batch of requests with their variables, audit trail and letters, and the letter
    counters, in one transaction; returns what _requests returns for the batch."""
    made, var_rows, audit_rows = [], [], []
    with unit_of_work(session):
        session.add_all([b.request for b in built])
        session.flush()  # ids for the rows below
        # Variables and the audit trail are the bulk of the rows and need nothing back: plain
        # executemany inserts, several times faster than unit-of-work objects.
        for b in built:
            req = b.request
            made.append((req.id, b.applicant_index, req.channel, req.state))
            for v in b.variables:
                v["request_id"] = req.id
            var_rows += b.variables
            actors = {"applicant": b.applicant_id, "officer": b.officer_id,
                      "head": staff.head_id, "section_head": staff.section_head_id}
            audit_rows += [
                dict(at=site.utc(when), actor_id=actors[actor], office_id=site.office_id,
                     object_type="activity_request", object_id=req.id, action=action,
                     from_state=frm, to_state=to, note=None)
                for action, frm, to, when, actor in b.events
            ]
        # render_nulls: otherwise rows with and without NULLs go in separate statements.
        session.execute(insert(RequestVariable).execution_options(render_nulls=True), var_rows)
        session.execute(insert(AuditEvent).execution_options(render_nulls=True), audit_rows)
        # The letters only now: on PostgreSQL each row written to a recommended request
        # rewrites its search document, and every rewrite leaves a dead row version behind.
        for b in built:
            if b.letter is not None:
                b.request.letter = b.letter
        _advance_counters(session, site.office_id, numbers, batch_max, counts)
    counts["activity_request"] += len(built)
    counts["request_variable"] += len(var_rows)
    counts["audit_event"] += len(audit_rows)
    return made


def _advance_counters(session, office_id: int, numbers: _Numbers, batch_max: dict,
                      counts: dict) -> None:
    """Keep the counter at least at every sequence committed so far, in the same commit."""
    for year, seq in batch_max.items():
        if seq > numbers.committed.get(year, 0):
            counter = numbers.counters.get(year)
            if counter is None:
                counter = numbers.counters[year] = LetterCounter(office_id=office_id, year=year)
                session.add(counter)
                counts["letter_counter"] += 1
            counter.last_sequence = numbers.committed[year] = seq


# --- Complaints ----------------------------------------------------------------------------------

def _complaints(session, rng: random.Random, site: _Site, n: int, made: list[tuple],
                applicants: list[dict], officer_ids: list[int], counts: dict) -> None:
    """Complaints in every state, most about a submitted request, in one transaction."""
    used_codes = set(session.scalars(select(Complaint.tracking_code)))
    submitted = [m for m in made if m[3] != "draft"]  # nobody complains about a draft
    complaints = []
    for _ in range(n):
        code = _fresh_code(used_codes, "ADU")
        complaints.append(_complaint(rng, site, code, submitted, applicants, officer_ids))
    with unit_of_work(session):
        session.add_all(complaints)
    counts["complaint"] = len(complaints)


def _complaint(rng: random.Random, site: _Site, code: str, submitted: list[tuple],
               applicants: list[dict], officer_ids: list[int]) -> Complaint:
    """One complaint: open ones are recent, and none ends after yesterday."""
    state = rng.choices(("received", "in_progress", "answered", "closed"),
                        weights=(2, 2, 3, 5))[0]
    open_ = state in ("received", "in_progress")
    days_ago = rng.randint(0, 12) if open_ else rng.randint(5, 200)
    created = _weekday(_office_hours(rng, site.last_day - dt.timedelta(days=days_ago)))
    subject, text = rng.choice(COMPLAINTS)
    c = Complaint(
        tracking_code=code, office_id=site.office_id,
        channel=rng.choice(list(COMPLAINT_CHANNELS)), subject=subject, text=text, state=state,
    )
    _reporter(rng, c, submitted, applicants)
    # Times follow from the creation; a complaint that would end after yesterday moves
    # back by whole weeks, keeping its weekdays.
    ack = _weekday(created + dt.timedelta(hours=rng.randint(2, 40)))
    answered = _weekday(ack + dt.timedelta(days=rng.randint(0, 9), hours=rng.randint(1, 6)))
    closed = _weekday(answered + dt.timedelta(days=rng.randint(1, 7)))
    end = {"received": created, "in_progress": ack, "answered": answered,
           "closed": closed}[state]
    back = dt.timedelta(weeks=max(0, -(-(end.date() - site.last_day).days // 7)))
    c.created_at = site.utc(created - back)
    c.ack_due_date = site.calendar.add_working_days((created - back).date(), site.ack_days)
    c.due_date = site.calendar.add_working_days((created - back).date(), site.answer_days)
    if state != "received":
        c.acknowledged_at, c.assignee_id = site.utc(ack - back), rng.choice(officer_ids)
    if state in ("answered", "closed"):
        c.answered_at, c.answer = site.utc(answered - back), rng.choice(ANSWERS)
    if state == "closed":
        c.closed_at = site.utc(closed - back)
    return c


def _reporter(rng: random.Random, c: Complaint, submitted: list[tuple],
              applicants: list[dict]) -> None:
    """Mostly the applicant of a request; else someone, or nobody at the (mostly anonymous)
    complaint box."""
    if submitted and rng.random() < 0.6:
        req_id, app_idx, _, _ = rng.choice(submitted)
        who = applicants[app_idx]
        c.request_id, c.reporter_id = req_id, who["id"]
        c.reporter_name = f"{who['first']} {who['last']}"
        c.reporter_email, c.reporter_phone = who["email"], who["phone"]
    elif c.channel != "box" or rng.random() < 0.3:
        first, last = _person(rng)
        c.reporter_name = f"{first} {last}"
        c.reporter_email = f"{first}.{last}{rng.randint(1, 99)}@example.com".lower()
        c.reporter_phone = _phone(rng)


# --- Front desk: queue tickets and the guest book ------------------------------------------------

def _front_desk(session, rng: random.Random, site: _Site, made: list[tuple],
                agencies: list[dict], officer_ids: list[int], counts: dict) -> None:
    """Tickets for the last five working days, today only up to now, and the guest book of
    those served; a day that already has tickets is left alone. One transaction."""
    days, d = [], site.today
    while len(days) < 5:
        if d.weekday() < 5:
            days.append(d)
        d -= dt.timedelta(days=1)
    taken = set(session.scalars(
        select(QueueTicket.service_date).where(
            QueueTicket.office_id == site.office_id, QueueTicket.service_date.in_(days)
        ).distinct()))
    walk_ins = [m[0] for m in made if m[2] == "walk_in" and m[3] != "draft"]
    tickets, guests = [], []
    for day in sorted(days):
        if day not in taken:
            _desk_day(rng, site, day, agencies, officer_ids, walk_ins, tickets, guests)
    with unit_of_work(session):
        session.add_all(tickets + guests)
    counts["queue_ticket"], counts["guest_book_entry"] = len(tickets), len(guests)


def _desk_day(rng: random.Random, site: _Site, day: dt.date, agencies: list[dict],
              officer_ids: list[int], walk_ins: list[int], tickets: list[QueueTicket],
              guests: list[GuestBookEntry]) -> None:
    """One day's tickets in order, and the guest book entries of most visitors served."""
    t = dt.datetime.combine(day, dt.time(8, rng.randint(0, 20)))
    for number in range(1, rng.randint(5, 14) + 1):
        t += dt.timedelta(minutes=rng.randint(4, 35))
        called = t + dt.timedelta(minutes=rng.randint(2, 25))
        finished = called + dt.timedelta(minutes=rng.randint(8, 40))
        if day == site.today and t > site.now_local:
            break  # not arrived yet
        ticket = QueueTicket(office_id=site.office_id, service_date=day, number=number,
                             created_at=site.utc(t))
        if day == site.today and called > site.now_local:
            ticket.state = "waiting"
        else:
            ticket.called_at, ticket.served_by_id = site.utc(called), rng.choice(officer_ids)
            if day == site.today and finished > site.now_local:
                ticket.state = "serving"
            elif rng.random() < 0.1:
                ticket.state = "no_show"
            else:
                ticket.state, ticket.finished_at = "done", site.utc(finished)
        tickets.append(ticket)
        if ticket.state in ("done", "serving") and rng.random() < 0.75:
            guests.append(_guest(rng, site, ticket, t, agencies, walk_ins))


def _guest(rng: random.Random, site: _Site, ticket: QueueTicket, t: dt.datetime,
           agencies: list[dict], walk_ins: list[int]) -> GuestBookEntry:
    """The visitor of ``ticket``, now and then about a walk-in request."""
    first, last = _person(rng)
    agency = rng.choice(agencies)
    return GuestBookEntry(
        office_id=site.office_id, ticket=ticket, visited_at=site.utc(t),
        name=f"{first} {last}", id_doc_type="ktp",
        id_doc_number=_ktp(rng, site.region_code), agency=agency["name"],
        phone=_phone(rng), purpose=rng.choice(VISIT_PURPOSES),
        email=f"{first}.{last}{rng.randint(1, 99)}@example.com".lower(),
        request_id=rng.choice(walk_ins) if walk_ins and rng.random() < 0.3 else None,
    )


# --- The request form ----------------------------------------------------------------------------

def _request(r, state, ev, at, who, agency, region, districts, office_id
             ) -> tuple[ActivityRequest, list[dict]]:
    """The form's content, Blocks I-VIII, and its variables as rows for a bulk insert."""
    kind = "survey" if r.random() < 0.65 else "compilation"
    titles = agency[kind] or agency["survey"]
    base = r.choice(titles)
    created = ev[0][3]
    year = min(2026, max(2024, created.year + (1 if created.month >= 10 else 0)))
    place = region
    if districts and kind == "survey" and r.random() < 0.3:
        place = f"Kecamatan {r.choice(districts)}"
    if kind == "survey":
        title = f"{base} di {place} Tahun {year}"
    else:
        title = f"{base} {region} Tahun {year}"
    topic = _topic(base)
    fill = dict(topic=topic, place=place, agency=agency["name"], year=year, next=year + 1)
    resp_first, resp_last = _person(r)
    unit = r.choice(agency["units"])
    honorific = "dr. " if agency["sector"] == "health" and r.random() < 0.5 else ""
    survey = kind == "survey"

    req = ActivityRequest(
        office_id=office_id, applicant_id=who["id"], state=state,
        channel="walk_in" if r.random() < 0.2 else "online",
        title=title, year=year, kind=kind, sector=agency["sector"],
        agency_name=agency["name"], agency_unit=unit, agency_head_title=agency["head"],
        agency_address=agency["address"], agency_phone=agency["phone"],
        agency_fax=agency["phone"] if r.random() < 0.3 else None, agency_email=agency["email"],
        resp_name=f"{honorific}{resp_first} {resp_last}, {r.choice(DEGREES)}",
        resp_position=f"Kepala {unit}", resp_address=agency["address"], resp_phone=_phone(r),
        resp_email=f"{resp_first}.{resp_last}{r.randint(1, 99)}@example.com".lower(),
        tech_name=f"{who['first']} {who['last']}", tech_position=who["position"],
        tech_address=agency["address"], tech_phone=who["phone"], tech_email=who["email"],
        background=" ".join(s.format(**fill) for s in r.sample(BACKGROUND, r.randint(1, 3))),
        objectives=" ".join(s.format(**fill) for s in r.sample(OBJECTIVES, r.randint(1, 3))),
        benefits=r.choice(BENEFITS),
        funding_source=r.choice(FUNDING).format(r=region, y=year),
    )
    # Block III: the seven stages one after another, each ending on or after its start.
    if year == created.year:
        d = created.date() + dt.timedelta(days=r.randint(14, 45))
    else:
        d = dt.date(year, r.randint(1, 4), r.randint(1, 28))
    for stage, (lo, hi) in (("planning", (7, 30)), ("design", (7, 30)), ("collection", (14, 60)),
                            ("processing", (7, 30)), ("analysis", (7, 30)),
                            ("dissemination", (3, 14)), ("evaluation", (3, 14))):
        end = d + dt.timedelta(days=r.randint(lo, hi))
        setattr(req, f"{stage}_start", d)
        setattr(req, f"{stage}_end", end)
        d = end + dt.timedelta(days=r.randint(0, 3))

    # Block IV
    req.repetition = "repeated" if r.random() < 0.55 else "one_off"
    if req.repetition == "repeated":
        req.frequency = r.choices(("monthly", "quarterly", "semiannual", "yearly", "multi_year"),
                                  weights=(1, 1, 2, 6, 1))[0]
    req.collection_type = "longitudinal" if survey and r.random() < 0.1 else "cross_section"
    req.coverage, req.coverage_area = "part", place
    level = "district" if place != region else "regency"
    req.coverage_level, req.presentation_level, req.result_level = level, level, level
    if survey:
        req.collection_methods = r.choice(("interview", "interview", "interview,observation",
                                           "self_administered", "interview,self_administered"))
        req.collection_media = r.choice(("paper", "capi", "paper,capi", "cawi", "capi,cati"))
        req.collection_units = r.choice(("household", "individual", "business",
                                         "household,individual"))
    else:
        req.collection_methods = "admin_records"
        req.collection_media = r.choice(("paper", "cawi", "other"))
        if req.collection_media == "other":
            req.collection_media_other = "Aplikasi pelaporan internal dinas"
        req.collection_units = "institution"

    # Block V (surveys only) and VI
    if survey:
        req.is_census = r.random() < 0.15
        if not req.is_census:
            req.sample_stages = r.choice(("single", "multi"))
            req.selection_method = "probability" if r.random() < 0.8 else "non_probability"
            req.selection_method_name = r.choice(
                ("Pengambilan sampel acak sistematis", "Pengambilan sampel acak berstrata",
                 "PPS (probability proportional to size)")
                if req.selection_method == "probability"
                else ("Purposive sampling", "Accidental sampling", "Quota sampling"))
            req.sampling_frame = r.choice((
                "Daftar rumah tangga hasil Regsosek 2022", "Daftar pasien bulan sebelumnya",
                "Daftar usaha hasil Sensus Ekonomi 2016 yang dimutakhirkan",
                "Daftar blok sensus hasil SP2020"))
            req.sample_size = r.choice((100, 150, 200, 300, 400, 500, 800, 1000, 1500, 2000))
            req.sampling_error = round(r.uniform(1.0, 5.0), 2)
        req.sample_unit = r.choice(("Rumah tangga", "Individu", "Usaha"))
        req.observation_unit = r.choice(("Anggota rumah tangga", "Responden", "Pemilik usaha"))
        req.pilot_test = r.random() < 0.6
        req.nonresponse_adjustment = r.choice((
            "Penggantian sampel dari daftar cadangan.", "Penimbangan ulang terhadap sampel yang "
            "berhasil dicacah.", "Kunjungan ulang paling banyak tiga kali."))
        req.field_staff_count = r.randint(5, 60)
        req.field_staff_education = r.choice(("Minimal SMA/sederajat", "Minimal D3",
                                              "Minimal S1"))
        req.field_staff_training = (
            f"Pelatihan petugas selama {r.randint(1, 3)} hari oleh {agency['name']} "
            "bersama BPS.")
        req.analysis_method = r.choice((
            "Analisis deskriptif dengan tabulasi silang dan grafik.",
            "Analisis deskriptif dan inferensia dengan uji beda rata-rata.",
            "Indeks Kepuasan Masyarakat sesuai PermenPANRB Nomor 14 Tahun 2017."))
        req.analysis_unit = req.sample_unit
    else:
        req.field_staff_count = r.randint(0, 10)
        req.analysis_method = "Analisis deskriptif atas rekapitulasi laporan unit kerja."
        req.analysis_unit = "Perangkat daerah"
    req.analysis_units = "other"  # the unit's name is the "other, namely" text
    req.quality_control = r.choice(QUALITY_CONTROL)

    # Blocks VII and VIII
    # The form's codes (request_form.PROCESSING_STAGES, DISSEMINATION_PRODUCTS).
    req.processing_stages = r.choice((
        "editing,coding,entry,validation", "entry,validation", "validation"))
    req.dissemination_products = r.choice((
        "printed", "digital", "digital,microdata", "printed,digital"))
    for product in req.dissemination_products.split(","):
        setattr(req, f"release_date_{product}", req.dissemination_end)

    # Variables: the agency's topic first, then the usual respondent characteristics.
    pool = list(agency["variables"]) + (list(V_GENERIC) if survey else [])
    picked = r.sample(pool, min(len(pool), r.randint(3, 8)))
    variables = [
        dict(
            position=pos, name=name, concept=concept, definition=definition,
            reference_period=period,
            questionnaire_item=f"Blok {r.choice(('II', 'III', 'IV'))} Rincian {pos}"
            if survey else None,
        )
        for pos, (name, concept, definition, period) in enumerate(picked, start=1)
    ]
    return req, variables


def _reviews(r, ev, kind, checklist, officer_id, utc) -> list[Review]:
    """One Review per start_review; revision rounds fail some items, the final pass clears all."""
    items = [(i, pos) for i, scope, pos in checklist if scope in ("all", kind)]
    reviews, current = [], None
    for action, _, _, when, _ in ev:
        if action == "start_review":
            current = Review(round=len(reviews) + 1, officer_id=officer_id,
                             started_at=utc(when), outcome="pending", checklist={})
            reviews.append(current)
        elif action == "request_revision" and current is not None:
            failed = {i for i, _ in r.sample(items, min(len(items), r.randint(1, 3)))}
            notes = {i: CHECK_NOTES.get(pos, "Perlu dilengkapi.") for i, pos in items}
            current.checklist = {
                i: {"ok": i not in failed, "note": notes[i] if i in failed else ""}
                for i, _ in items
            }
            current.notes = " ".join(notes[i] for i, _ in items if i in failed)
            current.outcome, current.finished_at = "revision", utc(when)
            current = None
        elif action == "verify" and current is not None:
            current.checklist = {i: {"ok": True, "note": ""} for i, _ in items}
            current.notes = "Formulir lengkap dan jelas."
            current.outcome, current.finished_at = "pass", utc(when)
            current = None
    return reviews
